// Browser journey of customers, service summaries and work orders: an admin
// sets up (through the API) a customer field, the demo VIP caller as a
// customer, a work-order type whose condition rule escalates high-priority
// complaints, and a required service summary on the operator queue. Then,
// in each language, the desk agent takes a demo call, sees the customer
// card, cannot leave wrap-up before the summary (the API refuses), fills
// it, creates a work order from the call, and the supervisor sees the
// order escalated on the work orders page. On the admin pages, the admin
// sets the type's SMS notification in its editor (a missing recipient is
// refused at the field) and the API shows it stored. Screenshots go to
// e2e/screenshots/crm-*.<lang>.png.
//
// On its own, it starts `ipcc serve --demo --demo-quiet` itself:
//   IPCC_BIN=../bin/ipcc node e2e/crm.mjs
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runStandalone } from './standalone.mjs'
import { selectByName, setChecked } from './antd.mjs'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const tenantH = { 'X-IPCC-Tenant': 'default' }
const caller = '13900000888'
const agentUser = '1005'

async function signIn(page, base, lang, username) {
  const t = L[lang]
  await page.goto(`${base}/login?lang=${lang}`)
  await page.getByLabel(t.login.tenant).fill('default')
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill('ipcc-demo')
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

// useLanguage picks the console's language in the header when it is not
// the one asked for (a user's saved language wins over the sign-in page's).
async function useLanguage(page, lang) {
  const other = lang === 'en' ? 'zh-CN' : 'en'
  const select = page.getByRole('combobox', { name: L[other].app.language, exact: true })
  if (!(await select.count())) return
  const option = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: lang === 'en' ? 'English' : '简体中文' })
  for (let i = 0; i < 5 && !(await option.count()); i++) {
    await select.click({ force: true })
    await page.waitForTimeout(400)
  }
  await option.first().click()
  await page.getByRole('link', { name: L[lang].nav.admin }).first().waitFor()
}

function formItem(scope, label) {
  return scope.locator('.ant-form-item').filter({ has: scope.page().locator(`label[title="${label}"]`) })
}

// pick chooses an option of a select in a form item, trying again when a
// click during the dropdown's animation is lost.
async function pick(page, scope, label, option) {
  const select = formItem(scope, label).locator('.ant-select')
  // a dropdown closing from the last choice is not this one
  await page.locator('.ant-select-dropdown:visible').first().waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined)
  for (let i = 0; ; i++) {
    if (!(await page.locator('.ant-select-dropdown:visible').count())) await select.click()
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: option }).first().click()
    const ok = await select.locator('.ant-select-selection-item').filter({ hasText: option }).first().waitFor({ timeout: 3_000 }).then(() => true).catch(() => false)
    if (ok) return
    if (i >= 4) throw new Error(`could not choose ${option} in ${label}`)
  }
}

export async function crmJourney(h) {
  const { browser, base, ctl, step, assert, api, token, shot, adminPassword, debugPages } = h
  const sa = await token(base, 'admin', adminPassword)
  let queue = ''
  await step('crm: setup customer field, customer, work-order type and a required summary form (API)', async () => {
    // Agent 1005 may still be in an earlier journey's wrap-up: end it before
    // the queue requires a summary (which would keep them there).
    const at = await token(base, agentUser)
    // An earlier journey (sms) may even have left them on a call: hang it up.
    await api(base, 'POST', '/api/v1/agent/call/hangup', at)
    for (let i = 0; i < 50; i++) {
      const st = (await api(base, 'GET', '/api/v1/agent/state', at)).body
      if (!st?.state || st.state === 'logged-out' || st.state === 'available') break
      if (st.state === 'wrap-up') await api(base, 'POST', '/api/v1/agent/wrap-up/end', at)
      else await api(base, 'POST', '/api/v1/agent/ready', at)
      await new Promise((r) => setTimeout(r, 200))
    }
    let r = await api(base, 'PUT', '/api/v1/customer-settings', sa, { mask_numbers: false, fields: [{ name: 'level', label: '等级 Level', type: 'select', options: ['VIP', '普通'] }] }, tenantH)
    assert(r.status === 200, `settings: ${r.status} ${JSON.stringify(r.body)}`)
    r = await api(base, 'POST', '/api/v1/customers', sa, { name: '钱七 Qian Qi', company: '星辰科技 Star Tech', numbers: [caller], tags: ['VIP'], fields: { level: 'VIP' } }, tenantH)
    assert(r.status === 201 || r.status === 409, `customer: ${r.status} ${JSON.stringify(r.body)}`)
    r = await api(base, 'PUT', '/api/v1/workorder-types/complaint', sa, {
      name: '投诉 Complaint',
      fields: [{ name: 'product', label: '产品 Product', type: 'select', options: ['宽带 Broadband', '手机 Mobile'], required: true }],
      statuses: [{ id: 'new', label: '新建 New' }, { id: 'working', label: '处理中 Working' }, { id: 'resolved', label: '已解决 Resolved', resolved: true }],
      transitions: { new: ['working', 'resolved'], working: ['resolved'] },
      resolve_hours: 24,
      escalations: [{ after_minutes: 240, action: 'notify' }],
      conditions: [{ when: 'priority == "high" && type == "complaint"', action: 'escalate' }],
    }, tenantH)
    assert(r.status === 200, `type: ${r.status} ${JSON.stringify(r.body)}`)
    const qs = await api(base, 'GET', '/api/v1/queues', sa, null, tenantH)
    queue = (qs.body ?? []).map((q) => q.id).find((id) => /operator/i.test(id)) ?? ''
    assert(queue, `no operator queue in ${JSON.stringify((qs.body ?? []).map((q) => q.id))}`)
    r = await api(base, 'PUT', `/api/v1/summary-forms/${queue}`, sa, {
      businesses: ['宽带 Broadband', '手机 Mobile'], types: ['咨询 Inquiry', '投诉 Complaint'], outcomes: ['已解决 Solved', '未解决 Open'],
      fields: [{ name: 'note', label: '备注 Note', type: 'text', required: true }], required: true,
    }, tenantH)
    assert(r.status === 200, `summary form: ${r.status} ${JSON.stringify(r.body)}`)
  })

  const agentToken = await token(base, agentUser)
  try {
    for (const lang of ['en', 'zh-CN']) {
      const T = L[lang]
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 1100 } })
      const agent = await ctx.newPage()
      debugPages.push(agent)
      const title = lang === 'en' ? 'Broadband keeps dropping' : '宽带经常掉线'
      try {
        await step(`crm (${lang}): the agent takes a demo call and sees the customer card`, async () => {
          await signIn(agent, base, lang, agentUser)
          // The agent may still be signed in from an earlier journey: ask the
          // server, not the page (whose buttons change while it loads).
          const st = (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
          if (!st?.state || st.state === 'logged-out') await agent.getByRole('button', { name: `${T.agent.signIn} · ${T.agent.signInAll}` }).click()
          else if (st.state !== 'available') await api(base, 'POST', '/api/v1/agent/ready', agentToken)
          await agent.getByRole('status', { name: T.agent.currentState }).getByText(T.state.available, { exact: true }).waitFor({ timeout: 15_000 })
          const r = await fetch(`${ctl}/calls`, {
            method: 'POST',
            body: JSON.stringify({ front: 'freeswitch', from: caller, to: '4001', press: [{ after_ms: 4000, digits: '1' }, { after_ms: 8000, digits: '12345678' }, { after_ms: 14000, digits: '900501' }], hangup_after_ms: 600000 }),
          })
          assert(r.ok, `sim call: ${r.status}`)
          const card = agent.getByRole('region', { name: T.crm.panel.title }).or(agent.locator(`[aria-label="${T.crm.panel.title}"]`)).first()
          await card.getByText('钱七 Qian Qi').waitFor({ timeout: 45_000 })
          await card.getByText('星辰科技 Star Tech').waitFor()
          await agent.getByText(T.call.connected, { exact: true }).first().waitFor({ timeout: 15_000 })
          await shot(agent, `crm-agent-card.${lang}`)
        })

        await step(`crm (${lang}): after the call the summary is required before leaving wrap-up`, async () => {
          await agent.getByRole('button', { name: new RegExp(`^${T.call.hangup}`) }).first().click()
          await agent.getByRole('status', { name: T.agent.currentState }).getByText(T.state['wrap-up']).waitFor({ timeout: 15_000 })
          const refused = await api(base, 'POST', '/api/v1/agent/wrap-up/end', agentToken)
          assert(refused.status === 409 && refused.body?.error?.code === 'summary_required', `end wrap-up without summary: ${refused.status} ${JSON.stringify(refused.body)}`)
          const form = agent.locator(`section[aria-label="${T.crm.summary.title}"]`)
          await form.getByText(T.crm.summary.required).waitFor()
          // Submitting without the required fields names them.
          await form.getByRole('button', { name: T.crm.summary.submit }).click()
          await form.locator('.ant-form-item-explain-error').first().waitFor()
        })

        await step(`crm (${lang}): the agent creates a work order from the call`, async () => {
          await agent.getByRole('button', { name: T.crm.panel.newWorkOrder }).click()
          const dlg = agent.getByRole('dialog', { name: T.crm.panel.newWorkOrder })
          await pick(agent, dlg, T.crm.wo.type, '投诉 Complaint')
          await formItem(dlg, T.crm.wo.title).locator('input').fill(title)
          await pick(agent, dlg, T.crm.wo.priority, T.crm.priority.high)
          await pick(agent, dlg, '产品 Product', '宽带 Broadband')
          await shot(agent, `crm-agent-new-workorder.${lang}`)
          await dlg.getByRole('button', { name: T.crm.save }).click()
          await dlg.waitFor({ state: 'detached', timeout: 10_000 })
          const calls = await api(base, 'GET', '/api/v1/workorders?q=' + encodeURIComponent(title), agentToken)
          const wo = (calls.body ?? [])[0]
          assert(wo && wo.call_id && wo.priority === 'urgent', `work order ${JSON.stringify(calls.body)}`)
        })

        await step(`crm (${lang}): the agent fills the required summary and leaves wrap-up`, async () => {
          const form = agent.locator(`section[aria-label="${T.crm.summary.title}"]`)
          await pick(agent, form, T.crm.summary.business, '宽带 Broadband')
          await pick(agent, form, T.crm.summary.type, '投诉 Complaint')
          await pick(agent, form, T.crm.summary.outcome, '未解决 Open')
          await formItem(form, '备注 Note').locator('input').fill(lang === 'en' ? 'Line drops every evening' : '每晚掉线')
          await shot(agent, `crm-agent-summary.${lang}`)
          await form.getByRole('button', { name: T.crm.summary.submit }).click()
          // The summary was the last thing holding wrap-up (its time ran out): the message, then Ready.
          await agent.getByText(T.crm.summary.saved).first().waitFor({ timeout: 10_000 })
          // Submitted: wrap-up ends now if its time ran out, else the agent ends it.
          const st = await api(base, 'POST', '/api/v1/agent/wrap-up/end', agentToken)
          assert(st.status === 200 || st.body?.error?.code === 'conflict', `end wrap-up after the summary: ${st.status} ${JSON.stringify(st.body)}`)
          await agent.getByRole('status', { name: T.agent.currentState }).getByText(T.state.available, { exact: true }).waitFor({ timeout: 15_000 })
        })

        await step(`crm (${lang}): the supervisor sees the work order escalated`, async () => {
          // A fresh browser per language: the sign-in page picks the language.
          const supCtx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
          const sup = await supCtx.newPage()
          debugPages.push(sup)
          await signIn(sup, base, lang, 'supervisor')
          await useLanguage(sup, lang)
          await sup.getByRole('link', { name: L[lang].crm.nav }).first().click()
          await sup.getByRole('heading', { name: L[lang].crm.wo.pageTitle }).or(sup.getByText(L[lang].crm.wo.pageTitle).first()).first().waitFor()
          const row = sup.locator('tr').filter({ hasText: title }).first()
          await row.waitFor({ timeout: 15_000 })
          await row.getByText(L[lang].crm.priority.urgent).waitFor()
          await row.click()
          const drawer = sup.locator('.ant-drawer-content').filter({ hasText: title })
          await drawer.getByText(L[lang].crm.event.escalated, { exact: true }).waitFor()
          await drawer.getByText('high → urgent').waitFor()
          await shot(sup, `crm-supervisor-escalated.${lang}`)
          await supCtx.close()
        })
      } finally {
        await api(base, 'POST', '/api/v1/agent/logout', agentToken).catch(() => undefined)
        await ctx.close()
      }
    }

    await step('crm: the admin pages in both languages', async () => {
      const adminUser = 'e2e-crm-admin'
      const r = await api(base, 'POST', '/api/v1/users', sa, { username: adminUser, password: 'e2e-password-123', role: 'admin', display_name: 'E2E CRM admin' }, tenantH)
      assert(r.status === 201 || r.status === 409, `admin user: ${r.status}`)
      // The built-in SMS templates, workorder_update among them.
      const tpl = await api(base, 'POST', '/api/v1/sms/templates/defaults', sa, null, tenantH)
      assert(tpl.status === 200 && tpl.body.some((x) => x.name === 'workorder_update'), `sms templates: ${tpl.status} ${JSON.stringify(tpl.body)}`)
      // What each language's save stores (zh-CN starts from what en saved).
      const wantSms = {
        en: { template: 'workorder_update', on: ['created', 'status', 'commented'], customer: true, assignee: true },
        'zh-CN': { template: 'workorder_update', on: ['created', 'status', 'commented', 'escalated'], customer: false, assignee: true },
      }
      for (const lang of ['en', 'zh-CN']) {
        const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
        const page = await ctx.newPage()
        debugPages.push(page)
        const T = L[lang]
        await page.goto(`${base}/login?lang=${lang}`)
        await page.getByLabel(T.login.tenant).fill('default')
        await page.getByLabel(T.login.username).fill(adminUser)
        await page.getByLabel(T.login.password).fill('e2e-password-123')
        await page.getByRole('button', { name: T.login.submit }).click()
        await page.waitForURL((u) => !u.pathname.startsWith('/login'))
        await useLanguage(page, lang)
        await page.getByRole('link', { name: T.nav.admin }).first().click()
        await page.getByRole('link', { name: T.admin.nav.customers }).click()
        await page.getByText('钱七 Qian Qi').waitFor()
        await shot(page, `crm-admin-customers.${lang}`)
        await page.getByRole('link', { name: T.admin.nav.workorderTypes }).click()
        await page.getByText('投诉 Complaint').first().waitFor()
        await shot(page, `crm-admin-types.${lang}`)
        await step(`crm (${lang}): the admin sets the type's SMS notification`, async () => {
          const S = T.smsEditors.type
          await page.locator('tr').filter({ hasText: '投诉 Complaint' }).getByRole('button', { name: T.crm.edit }).click()
          const dlg = page.getByRole('dialog', { name: T.crm.types.dialog })
          const sms = dlg.getByRole('region', { name: S.title })
          const on = sms.getByRole('switch', { name: S.enabled })
          // en switches it on; zh-CN finds it on, as en saved it.
          if (lang === 'en') {
            assert((await on.getAttribute('aria-checked')) === 'false', 'the SMS of the type is on before it was set')
            await on.click()
          } else {
            assert((await on.getAttribute('aria-checked')) === 'true', 'the SMS saved in en is not shown')
            await sms.locator('.ant-select-selection-item').filter({ hasText: T.smsEditors.reason.commented }).waitFor()
          }
          await selectByName(page, sms, S.template, 'workorder_update')
          await selectByName(page, sms, S.on, T.smsEditors.reason[lang === 'en' ? 'commented' : 'escalated'])
          // The multiple select stays open: close it on the dialog's title.
          await dlg.locator('.ant-modal-title').click()
          await page.locator('.ant-select-dropdown:visible').first().waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined)
          // No recipient: the API refuses, and says so at "Send to".
          for (const who of ['customer', 'assignee']) await setChecked(page, sms.getByRole('checkbox', { name: S[who] }), false)
          await dlg.getByRole('button', { name: T.crm.save }).click()
          const sendTo = sms.locator('.ant-form-item').filter({ hasText: S.to })
          await sendTo.locator('.ant-form-item-explain-error').getByText('send to the customer, the assignee or both').waitFor()
          assert((await dlg.locator('.ant-alert-error').count()) === 0, 'the SMS error is in the banner, not at the field')
          await shot(page, `crm-admin-type-sms-error.${lang}`)
          const want = wantSms[lang]
          for (const who of ['customer', 'assignee']) await setChecked(page, sms.getByRole('checkbox', { name: S[who] }), want[who])
          await sendTo.locator('.ant-form-item-explain-error').waitFor({ state: 'detached' }) // gone once the field is changed
          await shot(page, `crm-admin-type-sms.${lang}`)
          await dlg.getByRole('button', { name: T.crm.save }).click()
          await dlg.waitFor({ state: 'detached', timeout: 10_000 })
          // The table shows the recipients; the API has what was set.
          const row = page.locator('tr').filter({ hasText: '投诉 Complaint' })
          await row.locator('.ant-tag').filter({ hasText: S.assignee }).waitFor()
          const types = await api(base, 'GET', '/api/v1/workorder-types', sa, null, tenantH)
          const stored = (types.body ?? []).find((x) => x.id === 'complaint')?.sms
          // (false is left out of the JSON)
          const got = stored && { template: stored.template, on: stored.on, customer: !!stored.customer, assignee: !!stored.assignee }
          assert(JSON.stringify(got) === JSON.stringify(want), `stored sms ${JSON.stringify(stored)}, want ${JSON.stringify(want)}`)
        })
        await page.getByRole('link', { name: T.admin.nav.summaryForms }).click()
        await page.getByText('未解决 Open').first().waitFor()
        await shot(page, `crm-admin-summary-forms.${lang}`)
        await ctx.close()
      }
    })
  } finally {
    // The operator queue stops requiring a summary (the journeys after this
    // one take calls too).
    await api(base, 'DELETE', `/api/v1/summary-forms/${queue}`, sa, null, tenantH).catch(() => undefined)
    // Nor does the complaint type text anyone.
    const types = await api(base, 'GET', '/api/v1/workorder-types', sa, null, tenantH).catch(() => undefined)
    const complaint = (types?.body ?? []).find?.((x) => x.id === 'complaint')
    if (complaint?.sms) {
      const { sms: _sms, created_at: _c, updated_at: _u, ...rest } = complaint
      await api(base, 'PUT', '/api/v1/workorder-types/complaint', sa, rest, tenantH).catch(() => undefined)
    }
  }
}

if (process.argv[1] && process.argv[1].endsWith('crm.mjs')) await runStandalone('crm', crmJourney)
