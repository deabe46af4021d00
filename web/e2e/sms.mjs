// Browser journey of SMS (短信): a local fake HTTP SMS gateway stands in for
// the provider. An admin adds the gateway as the tenant's provider and a
// template in the admin console; a demo call reaches agent 1005, who sends
// the caller a message from the desktop's SMS panel; the gateway accepts
// it and posts a delivery report to the provider's report URL, and the
// panel and the admin's message log show it delivered. The admin also sets
// agents' mobile numbers (for work-order SMS): a bad one is refused at its
// row, and the API stores the normalised ones. Screenshots in both
// languages go to e2e/screenshots/sms-*.png.
//
// The controller must allow the gateway's address (egress.allow): run.mjs
// starts the gateway before the controller; on its own this file does too:
//   IPCC_BIN=../bin/ipcc node e2e/sms.mjs
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { selectOption } from './antd.mjs'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const tenantH = { 'X-IPCC-Tenant': 'default' }
const adminUser = 'e2e-sms-admin'
const pw = 'e2e-password-123'

// startFakeGateway listens on 127.0.0.1: POST /send with JSON
// {mobile, content, sign} answers {"code":"0","data":{"msgid":"FG<n>"}} and,
// half a second later, posts {"msgid","stat":"DELIVRD"} to reportURL (set
// once the provider exists).
export async function startFakeGateway() {
  const gw = { received: [], reportURL: '', reports: [] }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/send') {
        res.writeHead(404).end()
        return
      }
      let m
      try {
        m = JSON.parse(body)
      } catch {
        res.writeHead(400).end('not JSON')
        return
      }
      gw.received.push(m)
      const id = `FG${gw.received.length}`
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: '0', data: { msgid: id } }))
      setTimeout(async () => {
        if (!gw.reportURL) return
        const r = await fetch(gw.reportURL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ msgid: id, stat: 'DELIVRD' }) }).catch((e) => ({ status: String(e) }))
        gw.reports.push({ id, status: r.status })
      }, 500)
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  gw.port = server.address().port
  gw.url = `http://127.0.0.1:${gw.port}`
  gw.close = () => new Promise((r) => server.close(r))
  return gw
}

async function signIn(page, base, lang, username, password) {
  const t = L[lang]
  await page.goto(`${base}/login?lang=${lang}`)
  await page.getByLabel(t.login.tenant).fill('default')
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill(password)
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

// ensureLanguage switches the console to lang in the header when the
// user's saved language differs (it wins over the sign-in page's).
async function ensureLanguage(page, lang) {
  const other = lang === 'en' ? 'zh-CN' : 'en'
  const link = (l) => page.getByRole('link', { name: L[l].nav.agent, exact: true })
  await link(lang).or(link(other)).first().waitFor()
  await page.waitForTimeout(1500) // the user's saved language applies after the sign-in page's
  if (await link(lang).count()) return
  const option = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: lang === 'en' ? 'English' : '简体中文' })
  for (let i = 0; i < 5 && !(await option.count()); i++) {
    await page.getByRole('combobox', { name: L[other].app.language, exact: true }).click({ force: true })
    await page.waitForTimeout(400)
  }
  await option.first().click()
  await link(lang).first().waitFor()
}

// pick chooses an option of an Ant Design select named label.
async function pick(page, label, option) {
  const opt = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: option })
  for (let i = 0; i < 5 && !(await opt.count()); i++) {
    await page.getByRole('combobox', { name: label, exact: true }).click({ force: true })
    await page.waitForTimeout(400)
  }
  await opt.first().click()
  await page.waitForTimeout(300)
}

export async function smsJourney(h) {
  const { browser, base, ctl, step, assert, api, token, shot, adminPassword, debugPages, gateway } = h
  const sa = await token(base, 'admin', adminPassword)
  await step('sms: an admin of the tenant (through the API)', async () => {
    const r = await api(base, 'POST', '/api/v1/users', sa, { username: adminUser, password: pw, role: 'admin', display_name: 'E2E SMS admin' }, tenantH)
    assert(r.status === 201 || r.status === 409, `create ${adminUser}: ${r.status} ${JSON.stringify(r.body)}`)
  })
  const adminToken = await token(base, adminUser, pw)
  // Two agents get mobile numbers (one per language); the page names users
  // "display name (work number)".
  const users = (await api(base, 'GET', '/api/v1/users', adminToken)).body ?? []
  const desk = users.find((u) => u.username === '1005')
  const other = users.find((u) => u.role === 'agent' && u.username !== '1005')
  assert(desk && other, `agents 1005 and another: ${JSON.stringify(users.map((u) => u.username))}`)
  const userLabel = (u) => `${u.display_name || u.username} (${u.work_number || u.username})`
  const numbers = { en: { user: desk, typed: '139 0000 1005', stored: '13900001005' }, 'zh-CN': { user: other, typed: '+86 139-0000-1006', stored: '+8613900001006' } }
  const config = {
    url: `${gateway.url}/send`,
    content_type: 'application/json',
    body: '{"mobile":"${to}","content":"${text}","sign":"${from}"}',
    response: { message_id: 'data.msgid', status: 'code', accepted: ['0'] },
    report: { message_id: 'msgid', status: 'stat', delivered: ['DELIVRD'], buffered: ['ENROUTE'], failed: ['UNDELIV'] },
  }
  for (const lang of ['en', 'zh-CN']) {
    const T = L[lang].sms
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const page = await ctx.newPage()
    debugPages.push(page)
    await step(`sms: admin sets the provider and a template (${lang})`, async () => {
      await signIn(page, base, lang, adminUser, pw)
      await page.goto(`${base}/admin/sms`)
      await ensureLanguage(page, lang)
      await page.getByRole('tab', { name: T.tabs.providers }).click()
      const id = lang === 'en' ? 'gateway' : 'gateway-zh'
      await page.getByLabel(T.providers.id, { exact: true }).fill(id)
      await page.getByLabel(T.providers.sender, { exact: true }).fill('ACME')
      // A bad config first: the API's error names the field.
      await page.getByLabel(T.providers.config, { exact: true }).fill('{"url":"ftp://nowhere"}')
      await page.getByRole('button', { name: L[lang].admin.save }).click()
      await page.getByTestId('sms-error').getByText('config.url').waitFor()
      await page.getByLabel(T.providers.config, { exact: true }).fill(JSON.stringify(config, null, 2))
      if (lang === 'en') await page.getByRole('checkbox', { name: T.providers.default }).check()
      await page.getByRole('button', { name: L[lang].admin.save }).click()
      await page.getByRole('cell', { name: id, exact: true }).waitFor()
      await shot(page, `sms-providers.${lang}`)
      await page.getByRole('tab', { name: T.tabs.templates }).click()
      const name = lang === 'en' ? 'callback' : 'callback-zh'
      await page.getByLabel(T.templates.name, { exact: true }).fill(name)
      await pick(page, T.templates.purpose, T.purpose.missed_call)
      await page.getByLabel(T.templates.textZh, { exact: true }).fill('${name}您好,我们将在 ${when} 给您回电。')
      await page.getByLabel(T.templates.textEn, { exact: true }).fill('Hello ${name}, we will call you back at ${when}.')
      await page.getByRole('button', { name: L[lang].admin.save }).click()
      await page.getByRole('cell', { name, exact: true }).waitFor()
      await shot(page, `sms-templates.${lang}`)
    })
    await step(`sms: admin sets a missed-call rule, a limit, an agent's number and an opt-out (${lang})`, async () => {
      await page.getByRole('tab', { name: T.tabs.settings }).click()
      await pick(page, T.rule.missed_call, lang === 'en' ? 'callback' : 'callback-zh')
      const on = page.getByRole('switch', { name: T.settings.enabled }).first()
      if ((await on.getAttribute('aria-checked')) !== 'true') await on.click()
      await page.getByLabel(T.settings.per_number_per_hour, { exact: true }).fill('3')
      // An agent's mobile number: a bad one first, refused at its row.
      const A = L[lang].smsEditors.agentNumbers
      const section = page.getByRole('region', { name: A.title })
      await section.getByRole('button', { name: A.add }).click()
      const row = section.getByTestId('sms-agent-number-row').last()
      const n = numbers[lang]
      // The search narrows the (virtual) list of users to this one.
      await row.getByRole('combobox', { name: A.agent }).fill(n.user.display_name || n.user.username)
      await selectOption(page, row.locator('.ant-select'), userLabel(n.user), A.agent)
      await row.getByLabel(A.number, { exact: true }).fill('12ab')
      await page.getByRole('button', { name: L[lang].admin.save }).click()
      await row.locator('.ant-form-item-explain-error').getByText('"12ab" is not a phone number (3 to 20 digits').waitFor()
      assert((await page.getByTestId('sms-error').count()) === 0, 'the number error is also in the banner')
      await shot(page, `sms-agent-numbers-error.${lang}`)
      await row.getByLabel(A.number, { exact: true }).fill(n.typed)
      await row.locator('.ant-form-item-explain-error').waitFor({ state: 'detached' }) // gone once the row is edited
      await page.getByRole('button', { name: L[lang].admin.save }).click()
      await page.getByText(L[lang].admin.saved).first().waitFor()
      // The page shows the number as stored (normalised by the API), and
      // the error is gone.
      for (let i = 0; ; i++) {
        const shown = await section.getByRole('textbox', { name: A.number }).evaluateAll((es) => es.map((e) => e.value))
        if (shown.includes(n.stored)) break
        if (i >= 50) throw new Error(`the page shows the numbers ${JSON.stringify(shown)}, not ${n.stored}`)
        await page.waitForTimeout(200)
      }
      await section.locator('.ant-form-item-explain-error').first().waitFor({ state: 'detached' })
      await shot(page, `sms-settings.${lang}`)
      await page.getByRole('tab', { name: T.tabs.optouts }).click()
      const number = lang === 'en' ? '13700000001' : '13700000002'
      await page.getByLabel(T.optouts.number, { exact: true }).fill(number)
      await page.getByLabel(T.optouts.note, { exact: true }).fill(lang === 'en' ? 'asked by phone' : '电话要求退订')
      await page.getByRole('button', { name: T.optouts.add }).click()
      await page.getByRole('cell', { name: number, exact: true }).waitFor()
      await shot(page, `sms-optouts.${lang}`)
    })
    await ctx.close()
  }
  await step("sms: the rule, limit, agents' numbers and opt-outs are stored", async () => {
    const st = await api(base, 'GET', '/api/v1/sms/settings', adminToken)
    assert(st.status === 200 && st.body.per_number_per_hour === 3 && st.body.rules.some((r) => r.event === 'missed_call' && r.template === 'callback-zh' && r.enabled), `settings ${JSON.stringify(st.body)}`)
    const want = { [desk.id]: numbers.en.stored, [other.id]: numbers['zh-CN'].stored }
    assert(Object.keys(st.body.agent_numbers ?? {}).length === 2 && Object.entries(want).every(([k, v]) => st.body.agent_numbers[k] === v),
      `agent_numbers ${JSON.stringify(st.body.agent_numbers)}, want ${JSON.stringify(want)}`)
    const oo = await api(base, 'GET', '/api/v1/sms/optouts', adminToken)
    assert(oo.status === 200 && oo.body.length === 2 && oo.body.every((o) => o.source === 'manual'), `opt-outs ${JSON.stringify(oo.body)}`)
    // The rule would text the demo callers when calls end; it is switched
    // off again so the agent's messages below are the only ones.
    const off = await api(base, 'PUT', '/api/v1/sms/settings', adminToken, { ...st.body, rules: [] })
    assert(off.status === 200, `settings off: ${off.status}`)
  })
  await step('sms: the gateway learns the report URL', async () => {
    const r = await api(base, 'GET', '/api/v1/sms/providers/gateway', adminToken)
    assert(r.status === 200 && r.body.is_default && r.body.report_url.startsWith('/api/v1/sms/hooks/'), `provider ${JSON.stringify(r.body)}`)
    gateway.reportURL = base + r.body.report_url
  })

  const agentCtx = await browser.newContext({ viewport: { width: 1440, height: 1100 } })
  const agent = await agentCtx.newPage()
  debugPages.push(agent)
  const E = L.en
  await step('sms: agent 1005 takes a demo call', async () => {
    await signIn(agent, base, 'en', '1005', 'ipcc-demo')
    await ensureLanguage(agent, 'en')
    const signInAll = agent.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` })
    if (await signInAll.count()) await signInAll.click()
    await agent.getByRole('status', { name: E.agent.currentState }).getByText(E.state.available, { exact: true }).waitFor()
    const r = await fetch(`${ctl}/calls`, {
      method: 'POST',
      body: JSON.stringify({ front: 'freeswitch', from: '13900000888', to: '4001', press: [{ after_ms: 4000, digits: '1' }, { after_ms: 8000, digits: '12345678' }, { after_ms: 14000, digits: '900501' }], hangup_after_ms: 600000 }),
    })
    assert(r.ok, `sim call: ${r.status}`)
    await agent.getByTestId('screen-pop').getByText('13900000888').first().waitFor({ timeout: 45_000 })
    await agent.getByTestId('agent-sms').waitFor()
  })
  for (const lang of ['en', 'zh-CN']) {
    const T = L[lang].sms
    await step(`sms: the agent sends the caller a message and sees it delivered (${lang})`, async () => {
      if (lang === 'zh-CN') {
        await ensureLanguage(agent, lang)
        await agent.getByTestId('agent-sms').getByText(T.agent.title).waitFor()
      }
      const panel = agent.getByTestId('agent-sms')
      assert((await panel.getByLabel(T.agent.to, { exact: true }).inputValue()) === '13900000888', 'the panel is not addressed to the caller')
      await pick(agent, T.agent.template, lang === 'en' ? 'callback ·' : 'callback-zh')
      await pick(agent, T.agent.language, lang === 'en' ? 'English' : '中文')
      await panel.getByLabel('name', { exact: true }).fill(lang === 'en' ? 'Mr Zhang' : '张先生')
      await panel.getByLabel('when', { exact: true }).fill('15:30')
      const want = lang === 'en' ? 'Hello Mr Zhang, we will call you back at 15:30.' : '张先生您好,我们将在 15:30 给您回电。'
      await panel.getByTestId('agent-sms-preview').getByText(want).waitFor()
      const before = gateway.received.length
      await panel.getByRole('button', { name: T.agent.send }).click()
      await panel.locator('[data-testid=agent-sms-item][data-status=delivered]').filter({ hasText: want }).waitFor({ timeout: 15_000 })
      assert(gateway.received.length === before + 1 && gateway.received[before].content === want && gateway.received[before].mobile === '13900000888' && gateway.received[before].sign === 'ACME',
        `gateway got ${JSON.stringify(gateway.received)}`)
      await shot(agent, `sms-agent.${lang}`)
    })
  }
  // Leave agent 1005 as found: hang the call up and end the wrap-up, so
  // later journeys (crm) can make them ready.
  const agentToken = await token(base, '1005', 'ipcc-demo')
  await api(base, 'POST', '/api/v1/agent/call/hangup', agentToken)
  for (let i = 0; i < 50; i++) {
    const st = (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
    if (st?.state === 'wrap-up') await api(base, 'POST', '/api/v1/agent/wrap-up/end', agentToken)
    if (!st?.state || st.state === 'available' || st.state === 'logged-out') break
    await new Promise((r) => setTimeout(r, 200))
  }
  await agentCtx.close()
  for (const lang of ['en', 'zh-CN']) {
    const T = L[lang].sms
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    const page = await ctx.newPage()
    debugPages.push(page)
    await step(`sms: the message log shows both messages delivered (${lang})`, async () => {
      await signIn(page, base, lang, adminUser, pw)
      await page.goto(`${base}/admin/sms`)
      await ensureLanguage(page, lang)
      const log = page.getByTestId('sms-log')
      await log.getByText('Hello Mr Zhang').waitFor()
      assert((await log.locator('.ant-tag').filter({ hasText: T.status.delivered }).count()) >= 2, 'not two delivered messages in the log')
      await shot(page, `sms-log.${lang}`)
    })
    await ctx.close()
  }
  await step('sms: the API agrees (sent by 1005, linked to the call, delivered)', async () => {
    const r = await api(base, 'GET', '/api/v1/sms/messages?number=13900000888', adminToken)
    const mine = (r.body ?? []).filter((m) => m.source === 'agent' && m.agent_id && m.call_id)
    assert(r.status === 200 && mine.length === 2 && mine.every((m) => m.status === 'delivered' && m.provider_id === 'gateway'), `messages ${JSON.stringify(r.body)}`)
  })
}

// Standalone: start the gateway and the demo (allowed to reach the
// gateway), run the journey, stop them.
if (process.argv[1] && process.argv[1].endsWith('sms.mjs')) {
  const { runStandalone } = await import('./standalone.mjs')
  const gateway = await startFakeGateway()
  process.env.IPCC_EGRESS_ALLOW = `127.0.0.1:${gateway.port}`
  await runStandalone('sms', (h) => smsJourney({ ...h, gateway }))
}
