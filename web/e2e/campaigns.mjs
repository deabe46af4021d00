// Browser journey of the admin console's campaigns page: an admin edits a
// campaign's retry rules, its script (the API's message for a choice with
// no choices shown at the field, then fixed) and its dispositions; opens
// its leads, searches them and assigns two to a named agent; starts it and
// reads the pacer's explained decisions; reads the report and exports a
// section as CSV. A supervisor sees it read-only. Screenshots in both
// languages go to e2e/screenshots/campaigns-*.png.
//
// run.mjs runs it after the outbound journey. On its own, it starts
// `ipcc serve --demo --demo-quiet` itself:
//   IPCC_BIN=../bin/ipcc node e2e/campaigns.mjs
// The campaign works a queue of its own with no agents, so it places no
// call and leaves the demo's agents to the other journeys.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runStandalone } from './standalone.mjs'
import { selectByName, switchLanguage } from './antd.mjs'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const E = L.en
const tenantH = { 'X-IPCC-Tenant': 'default' }
const adminUser = 'e2e-camp-admin'
const pw = 'e2e-password-123'
const camp = 'e2e-spring'
const leadsCSV = 'name,phone,city\n李雷,13800000001,Shenzhen\n韩梅梅,13800000002,Guangzhou\nLucy Li,13800000003,Beijing\nJim Green,13800000004,Shanghai\n王小明,13800000005,Shenzhen\n张伟,13800000006,Hangzhou\n'

async function signIn(page, base, lang, username, password) {
  const t = L[lang]
  await page.goto(`${base}/login?lang=${lang}`)
  await page.getByLabel(t.login.tenant).fill('default')
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill(password)
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

function formItem(scope, name) {
  return scope.locator('.ant-form-item').filter({ has: scope.page().locator(`label[title="${name}"]`) })
}

async function until(what, f, timeout = 10_000) {
  const end = Date.now() + timeout
  for (;;) {
    if (await f()) return
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

export async function campaignsJourney(h) {
  const { browser, base, step, assert, api, token, shot, adminPassword, debugPages } = h
  const sa = await token(base, 'admin', adminPassword)
  let agent
  await step('campaigns: setup an admin, a queue, a predictive campaign and six leads (through the API)', async () => {
    const r = await api(base, 'POST', '/api/v1/users', sa, { username: adminUser, password: pw, role: 'admin', display_name: 'E2E campaigns admin' }, tenantH)
    assert(r.status === 201 || r.status === 409, `create ${adminUser}: ${r.status} ${JSON.stringify(r.body)}`)
    const tok = await token(base, adminUser, pw)
    const q = await api(base, 'POST', '/api/v1/queues', tok, { id: 'e2e-camp-q', name: 'E2E campaign queue', strategy: 'random' })
    assert(q.status === 201 || q.status === 409, `queue: ${q.status} ${JSON.stringify(q.body)}`)
    const c = await api(base, 'POST', '/api/v1/campaigns', tok, { id: camp, name: 'Spring sale 春季促销', type: 'predictive', settings: { queue_id: 'e2e-camp-q', max_attempts: 4 } })
    assert(c.status === 201, `campaign: ${c.status} ${JSON.stringify(c.body)}`)
    const imp = await fetch(`${base}/api/v1/campaigns/${camp}/leads/import`, { method: 'POST', headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'text/csv' }, body: leadsCSV })
    const rep = await imp.json()
    assert(imp.status === 200 && rep.imported === 6, `import: ${imp.status} ${JSON.stringify(rep)}`)
    const users = (await api(base, 'GET', '/api/v1/users', tok)).body
    agent = users.find((u) => u.username === '1002')
    assert(agent?.id, `agent 1002: ${JSON.stringify(users.map((u) => u.username))}`)
  })
  const adminToken = await token(base, adminUser, pw)
  const agentLabel = `${agent.display_name || agent.username}${agent.work_number ? ` (${agent.work_number})` : ''}`
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const page = await ctx.newPage()
  debugPages.push(page)
  const dlg = page.locator('.ant-drawer-content')
  const C = E.campaigns

  await step('campaigns: admin edits retry rules, a script (the API refuses a choice without choices at the field) and dispositions', async () => {
    await signIn(page, base, 'en', adminUser, pw)
    await page.goto(`${base}/admin/campaigns`)
    const sec = page.getByRole('region', { name: E.admin.campaigns.title })
    await sec.getByRole('cell', { name: 'Spring sale 春季促销', exact: true }).waitFor()
    await sec.getByRole('button', { name: `${E.admin.edit} Spring sale 春季促销` }).click()
    await formItem(dlg, E.admin.campaigns.name).locator('input').waitFor()
    // Retry rules: busy after 2 minutes, no answer never again.
    await dlg.getByRole('tab', { name: C.tabs.retry }).click()
    await dlg.getByLabel(`${C.form.retryAfter} ${C.outcomes.busy}`, { exact: true }).fill('2')
    await dlg.getByRole('switch', { name: `${C.form.retry} ${C.outcomes.no_answer}` }).click()
    assert(await dlg.getByLabel(`${C.form.retryAfter} ${C.outcomes.no_answer}`, { exact: true }).isDisabled(), 'the delay of a rule without retry is editable')
    await shot(page, 'campaigns-retry.en')
    // Script: a choice question without choices.
    await dlg.getByRole('tab', { name: C.tabs.script }).click()
    await dlg.getByRole('button', { name: C.form.addQuestion }).click()
    await dlg.getByLabel(`${C.form.questionId} 1`, { exact: true }).fill('interest')
    await dlg.getByLabel(`${C.form.questionText} 1`, { exact: true }).fill('Are you interested in the spring offer?')
    await selectByName(page, dlg, `${C.form.kind} 1`, C.kinds.choice)
    await dlg.getByRole('button', { name: C.form.addQuestion }).click()
    await dlg.getByLabel(`${C.form.questionId} 2`, { exact: true }).fill('budget')
    await dlg.getByLabel(`${C.form.questionText} 2`, { exact: true }).fill('Monthly budget (yuan)')
    await selectByName(page, dlg, `${C.form.kind} 2`, C.kinds.number)
    // Dispositions.
    await dlg.getByRole('tab', { name: C.tabs.dispositions }).click()
    await dlg.getByRole('button', { name: C.form.addDisposition }).click()
    await dlg.getByLabel(`${C.form.code} 1`, { exact: true }).fill('sold')
    await dlg.getByLabel(`${C.form.label} 1`, { exact: true }).fill('成交 Sold')
    await dlg.getByRole('button', { name: C.form.addDisposition }).click()
    await dlg.getByLabel(`${C.form.code} 2`, { exact: true }).fill('later')
    await dlg.getByLabel(`${C.form.label} 2`, { exact: true }).fill('Call me later')
    await dlg.getByRole('switch', { name: `${C.form.final} 2` }).click()
    await dlg.getByLabel(`${C.form.retryAfter} 2`, { exact: true }).fill('90')
    await shot(page, 'campaigns-dispositions.en')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    // The API names settings.script[0].options: the script tab opens with
    // the message under the choices.
    const options = dlg.locator('.ant-form-item').filter({ has: page.getByRole('combobox', { name: `${C.form.options} 1`, exact: true }) })
    await options.locator('.ant-form-item-explain-error').getByText('a choice needs options').waitFor()
    assert(await dlg.getByRole('tab', { name: C.tabs.script, selected: true }).isVisible(), 'the script tab is not open on the refused field')
    await shot(page, 'campaigns-script-error.en')
    const opts = dlg.getByRole('combobox', { name: `${C.form.options} 1`, exact: true })
    await opts.fill('yes')
    await opts.press('Enter')
    await opts.fill('maybe')
    await opts.press('Enter')
    await dlg.getByRole('switch', { name: `${C.form.required} 1` }).click()
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await dlg.waitFor({ state: 'hidden' })
    const s = (await api(base, 'GET', `/api/v1/campaigns/${camp}`, adminToken)).body.settings
    const want = {
      retry: { busy: { retry: true, delay_ms: 120000 }, no_answer: { retry: false, delay_ms: 0 } },
      script: [
        { id: 'interest', text: 'Are you interested in the spring offer?', kind: 'choice', options: ['yes', 'maybe'], required: true },
        { id: 'budget', text: 'Monthly budget (yuan)', kind: 'number' },
      ],
      dispositions: [
        { code: 'sold', label: '成交 Sold', final: true },
        { code: 'later', label: 'Call me later', final: false, retry_ms: 5400000 },
      ],
    }
    for (const k of Object.keys(want)) assert(JSON.stringify(s[k]) === JSON.stringify(want[k]), `${k}: ${JSON.stringify(s[k])}, want ${JSON.stringify(want[k])}`)
    assert(s.queue_id === 'e2e-camp-q' && s.max_attempts === 4, `other settings kept: ${JSON.stringify(s)}`)
  })

  const detail = page.getByRole('region', { name: C.detail.title.replace('{{name}}', 'Spring sale 春季促销') })
  await step('campaigns: admin searches the leads and assigns two to a named agent', async () => {
    const sec = page.getByRole('region', { name: E.admin.campaigns.title })
    await sec.getByRole('button', { name: `${C.detail.open} Spring sale 春季促销` }).click()
    const table = detail.locator('.ant-table').first()
    await table.getByRole('cell', { name: '张伟', exact: true }).waitFor()
    assert((await table.locator('tbody tr.ant-table-row').count()) === 6, 'six leads listed')
    // By the digits of the number, then by name.
    await detail.getByLabel(C.leads.search, { exact: true }).fill('138 0000 0003')
    await detail.getByLabel(C.leads.search, { exact: true }).press('Enter')
    await table.getByRole('cell', { name: 'Lucy Li', exact: true }).waitFor()
    const rows = table.locator('tbody tr.ant-table-row')
    await until('one lead found', async () => (await rows.count()) === 1)
    await detail.getByLabel(C.leads.search, { exact: true }).fill('')
    await detail.getByLabel(C.leads.search, { exact: true }).press('Enter')
    await table.getByRole('cell', { name: '张伟', exact: true }).waitFor()
    for (const name of ['李雷', '韩梅梅']) await table.locator('tr.ant-table-row').filter({ has: page.getByRole('cell', { name, exact: true }) }).getByRole('checkbox').check()
    await selectByName(page, detail, C.leads.assignTo, agentLabel)
    await detail.getByRole('button', { name: C.leads.assignSelected.replace('{{count}}', '2') }).click()
    await page.getByText(C.leads.assigned.replace('{{count}}', '2').replace('{{agent}}', agentLabel)).first().waitFor()
    const mine = (await api(base, 'GET', `/api/v1/campaigns/${camp}/leads?agent=${encodeURIComponent(agent.id)}`, adminToken)).body
    assert(mine.map((l) => l.name).sort().join() === ['李雷', '韩梅梅'].sort().join(), `assigned: ${JSON.stringify(mine)}`)
    await table.locator('tr.ant-table-row').filter({ has: page.getByRole('cell', { name: '李雷', exact: true }) }).getByRole('cell', { name: agentLabel }).waitFor()
    // The leads of one agent.
    await selectByName(page, detail, C.leads.agent, agentLabel)
    await until('the agent\'s two leads', async () => (await rows.count()) === 2)
    // A lead's attempts: none yet.
    await table.locator('tr.ant-table-row').first().locator('.ant-table-row-expand-icon').click()
    await detail.getByText(C.leads.noAttempts).waitFor()
    await shot(page, 'campaigns-leads.en')
    // Export: every lead with its result.
    const [dl] = await Promise.all([page.waitForEvent('download'), detail.getByRole('button', { name: E.admin.campaigns.export, exact: true }).click()])
    const all = readFileSync(await dl.path(), 'utf8')
    assert(all.includes('8613800000006') && all.includes('张伟'), `leads export: ${all.slice(0, 300)}`)
  })

  await step('campaigns: admin starts the campaign and reads the pacer\'s explained decisions', async () => {
    const sec = page.getByRole('region', { name: E.admin.campaigns.title })
    await sec.getByRole('button', { name: `${E.admin.campaigns.start} Spring sale 春季促销` }).click()
    await sec.locator('tr').filter({ hasText: 'Spring sale 春季促销' }).getByText(E.admin.campaigns.statuses.running, { exact: true }).waitFor()
    await detail.getByRole('tab', { name: C.detail.pacing }).click()
    await detail.getByText(E.admin.campaigns.profiles.cn).waitFor()
    // The queue has no agent: the pacer dials nothing and says why.
    await detail.getByText(C.pacing.codes.no_agents).first().waitFor({ timeout: 20_000 })
    await detail.getByTestId('abandon-period').getByText('0.00%').waitFor()
    // The decisions over time and the abandon rate against the cap, drawn by ECharts.
    for (const id of ['campaign-pacing-chart', 'campaign-abandon-chart']) await detail.getByTestId(id).locator('canvas').first().waitFor({ timeout: 20_000 })
    await shot(page, 'campaigns-pacing.en')
  })

  await step('campaigns: admin reads the report and exports a section as CSV', async () => {
    await detail.getByRole('tab', { name: C.detail.report }).click()
    await detail.getByText(`${C.leadStatus.pending}: 6`).waitFor()
    const [dl] = await Promise.all([page.waitForEvent('download'), detail.getByRole('button', { name: `${C.report.csv} ${C.report.sections.attempts_per_lead}` }).click()])
    assert(dl.suggestedFilename() === `${camp}-attempts_per_lead.csv`, `file ${dl.suggestedFilename()}`)
    const text = readFileSync(await dl.path(), 'utf8')
    assert(/attempts/i.test(text.split('\n')[0]), `CSV header: ${text.slice(0, 200)}`)
    // A chart (or its "no data") per figure of the report.
    for (const k of ['outcomes', 'attemptsPerLead', 'dispositions', 'abandonWindows']) await detail.getByText(E.campaignCharts[k], { exact: true }).first().waitFor()
    await shot(page, 'campaigns-report.en')
  })

  await step('campaigns: the page, the form tabs, leads, pacing and report in Chinese (screenshots)', async () => {
    await switchLanguage(page, 'en', 'zh-CN')
    const Z = L['zh-CN']
    const ZC = Z.campaigns
    await page.goto(`${base}/admin/campaigns`)
    const sec = page.getByRole('region', { name: Z.admin.campaigns.title })
    await sec.getByRole('cell', { name: 'Spring sale 春季促销', exact: true }).waitFor()
    await shot(page, 'campaigns-list.zh-CN')
    await sec.getByRole('button', { name: `${Z.admin.edit} Spring sale 春季促销` }).click()
    for (const tab of ['retry', 'script', 'dispositions', 'pacing', 'window']) {
      await dlg.getByRole('tab', { name: ZC.tabs[tab] }).click()
      await page.waitForTimeout(200)
      await shot(page, `campaigns-${tab}.zh-CN`)
    }
    // The campaign's own hours: weekdays, pauses, holidays and special days.
    await dlg.getByText(ZC.form.windowModes.own, { exact: true }).click()
    await formItem(dlg, Z.admin.schedules.days.monday).getByText('09:00-21:00').waitFor()
    await shot(page, 'campaigns-window-own.zh-CN')
    await dlg.getByRole('button', { name: Z.admin.cancel }).click()
    await sec.getByRole('button', { name: `${ZC.detail.open} Spring sale 春季促销` }).click()
    const zd = page.getByRole('region', { name: ZC.detail.title.replace('{{name}}', 'Spring sale 春季促销') })
    await zd.getByRole('cell', { name: '张伟', exact: true }).waitFor()
    await shot(page, 'campaigns-leads.zh-CN')
    await zd.getByRole('tab', { name: ZC.detail.pacing }).click()
    await zd.getByText(ZC.pacing.codes.no_agents).first().waitFor({ timeout: 20_000 })
    await zd.getByTestId('campaign-pacing-chart').locator('canvas').first().waitFor({ timeout: 20_000 })
    await shot(page, 'campaigns-pacing.zh-CN')
    await zd.getByRole('tab', { name: ZC.detail.report }).click()
    await zd.getByText(`${ZC.leadStatus.pending}: 6`).waitFor()
    await zd.getByText(Z.campaignCharts.outcomes, { exact: true }).first().waitFor()
    await shot(page, 'campaigns-report.zh-CN')
  })

  await step('campaigns: a supervisor sees the campaign, its leads and report read-only', async () => {
    const sctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const sp = await sctx.newPage()
    debugPages.push(sp)
    await signIn(sp, base, 'en', 'supervisor', 'ipcc-demo')
    await sp.goto(`${base}/admin/campaigns`)
    const sec = sp.getByRole('region', { name: E.admin.campaigns.title })
    await sec.getByText(E.admin.readOnly).waitFor()
    await sec.getByRole('button', { name: `${C.detail.open} Spring sale 春季促销` }).click()
    const d = sp.getByRole('region', { name: C.detail.title.replace('{{name}}', 'Spring sale 春季促销') })
    await d.getByRole('cell', { name: '张伟', exact: true }).waitFor()
    assert((await d.getByRole('combobox', { name: C.leads.assignTo }).count()) === 0, 'the supervisor can assign leads')
    assert((await d.getByRole('checkbox').count()) === 0, 'the supervisor can select leads')
    await sctx.close()
  })

  await step('campaigns: stop the campaign (through the API)', async () => {
    const r = await api(base, 'POST', `/api/v1/campaigns/${camp}/stop`, adminToken)
    assert(r.status === 200, `stop: ${r.status}`)
  })
  await ctx.close()
}

// Standalone: start the demo, run the journey, stop it.
if (process.argv[1] && process.argv[1].endsWith('campaigns.mjs')) await runStandalone('campaigns', campaignsJourney)
