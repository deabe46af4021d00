// Browser journeys: Playwright (playwright-core, no browser download) drives
// Debian's chromium against `ipcc serve --demo --demo-quiet` on free ports.
// Calls are placed through the simulator's control API (--demo-control).
//
//   IPCC_BIN=../bin/ipcc node e2e/run.mjs        (make e2e does this)
//   IPCC_E2E_JOURNEY=softphone node e2e/run.mjs  (only the named journeys, comma-separated, on one
//                                                 server: main, softphone, groups, campaign, perf,
//                                                 flows, sms, crm, tenants; perf and flows-perf only
//                                                 when named)
//   IPCC_E2E_SERIAL=1 node e2e/run.mjs           (every journey on one server, one after another)
//
// By default main runs on one server and the other journeys, one after
// another, on a second server at the same time (see defaultLanes). Each line
// a journey prints starts with its name in brackets; each journey's last line
// gives its wall time.
//
// Screenshots of each screen in both languages go to e2e/screenshots/, the
// measured figures (screen pop latency, first-load JS, long tasks) to
// e2e/out/metrics.json and the console (see docs/PERFORMANCE.md).
import { AsyncLocalStorage } from 'node:async_hooks'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { perfScreenPop, perfSupervisorGrid } from './perf.mjs'
import { startRegistrar } from './sipfake.mjs'
import { adminJourneys } from './admin.mjs'
import { flowJourneys, flowPerf } from './flows.mjs'
import { outboundJourney } from './outbound.mjs'
import { promptsJourney } from './prompts.mjs'
import { smsJourney, startFakeGateway } from './sms.mjs'
import { campaignsJourney } from './campaigns.mjs'
import { crmJourney } from './crm.mjs'
import { webhooksJourney } from './webhooks.mjs'
import { tenantsJourney } from './tenants.mjs'

const here = new URL('.', import.meta.url).pathname
const bin = resolve(process.env.IPCC_BIN ?? join(here, '../../bin/ipcc'))
const browserPath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const shots = join(here, 'screenshots')
const out = join(here, 'out')
mkdirSync(shots, { recursive: true })
mkdirSync(out, { recursive: true })
const en = JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8'))
const zh = JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8'))
const L = { en, 'zh-CN': zh }
const password = 'ipcc-demo'
const adminPassword = 'e2e-admin-password'

const results = []
const debugPages = []
const metrics = {}
let failed = 0
async function step(name, fn) {
  const t0 = Date.now()
  try {
    await fn()
    results.push({ name, ok: true, ms: Date.now() - t0 })
    log(`  ok   ${name} (${Date.now() - t0} ms)`)
  } catch (e) {
    failed++
    for (const [i, p] of debugPages.entries()) await p.screenshot({ path: join(out, `failure-${i}.png`), fullPage: true }).catch(() => undefined)
    results.push({ name, ok: false, error: String(e?.message ?? e) })
    log(`  FAIL ${name}: ${e?.stack ?? e}`)
    throw e
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
    s.on('error', rej)
  })
}

async function waitFor(fn, what, timeout = 30_000, every = 250) {
  const end = Date.now() + timeout
  let last
  while (Date.now() < end) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, every))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg)
}

// target records a speed target's outcome. Every run measures and reports the
// figures; only IPCC_E2E_TARGETS=1 (`make bench-web`) fails on a miss: on a
// shared CI machine a timing says more about the machine's load than about the
// console, and targets belong to benchmarks, not to the functional tests.
const targets = []
function target(ok, name, msg) {
  targets.push({ name, ok, msg })
  console.log(`       target ${ok ? 'met' : 'MISSED'}: ${name}${ok ? '' : ` (${msg})`}`)
  if (!ok && process.env.IPCC_E2E_TARGETS === '1') throw new Error(msg)
}

// The journeys run in lanes: each lane has its own `ipcc serve --demo` (own
// database, simulator and ports) and runs its journeys one after another;
// the lanes run at the same time. Journeys in one lane share the demo's
// agents and may leave state for the next; journeys in different lanes share
// nothing but the browser process. main is the longest (it includes the admin
// console and the reports); the others together take about as long.
// IPCC_E2E_JOURNEY names journeys to run in one lane (in the order given);
// IPCC_E2E_SERIAL=1 runs the default journeys in one lane (one server).
const defaultLanes = [['main'], ['softphone', 'groups', 'campaign', 'flows', 'sms', 'crm', 'tenants']]

// Each log line of a lane names its journey (the lanes' lines interleave),
// also the lines the journeys' own modules print.
const lane = new AsyncLocalStorage()
const rawLog = console.log
console.log = (...a) => {
  const j = lane.getStore()?.journey
  if (j) rawLog(`[${j}]`, ...a)
  else rawLog(...a)
}
const log = (line) => console.log(line)

async function main() {
  assert(existsSync(bin), `no ipcc binary at ${bin} (make build)`)
  assert(browserPath, 'no chromium: apt-get install -y chromium (or set CHROMIUM)')
  // IPCC_E2E_ONLY is the older name of IPCC_E2E_JOURNEY.
  const named = process.env.IPCC_E2E_JOURNEY ?? process.env.IPCC_E2E_ONLY
  const lanes = named ? [named.split(',').map((s) => s.trim()).filter(Boolean)] : process.env.IPCC_E2E_SERIAL === '1' ? [defaultLanes.flat()] : defaultLanes
  let browser
  try {
    browser = await chromium.launch({
      executablePath: browserPath,
      args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    })
    await Promise.all(lanes.map((journeys) => runLane(browser, journeys)))
  } finally {
    await browser?.close()
    writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2))
    writeFileSync(join(out, 'metrics.json'), JSON.stringify({ ...metrics, targets }, null, 2))
  }
}

// runLane starts a server (and the SMS journey's fake gateway) and runs the
// journeys on it one after another.
async function runLane(browser, chosen) {
  const all = {
    main: journeys, softphone: softphoneJourney, groups: groupsJourney, campaign: campaignJourney, perf: perfJourney,
    flows: (h) => flowJourneys(h), 'flows-perf': (h) => flowPerf(h), sms: (h) => smsJourney(h), crm: (h) => crmJourney(h),
    tenants: (h) => tenantsJourney(h),
  }
  for (const name of chosen) assert(all[name], `no journey ${name} (there are: ${Object.keys(all).join(', ')})`)
  const [port, ctlPort] = [await freePort(), await freePort()]
  const base = `http://127.0.0.1:${port}`
  const ctl = `http://127.0.0.1:${ctlPort}/sim/v1`
  const dir = mkdtempSync(join(tmpdir(), 'ipcc-e2e-'))
  // The SMS journey's fake gateway: the controller may reach it (only it).
  const gateway = await startFakeGateway()
  const server = spawn(bin, ['serve', '--demo', '--demo-quiet', '--demo-control', `127.0.0.1:${ctlPort}`, '--log-format', 'text', '--log-level', 'warn'], {
    cwd: dir,
    env: { ...process.env, IPCC_HTTP_ADDR: `127.0.0.1:${port}`, IPCC_ADMIN_PASSWORD: adminPassword, IPCC_EGRESS_ALLOW: `127.0.0.1:${gateway.port}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let serverLog = ''
  server.stderr.on('data', (d) => (serverLog += d))
  const failedBefore = failed
  let laneFailed = false
  try {
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok && (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ tenant: 'default', username: '1005', password }) })).ok, 'ipcc to start and the demo users to exist')
    const h = { browser, base, ctl, step, api, token, L, shot, waitFor, assert, target, metrics, adminPassword, debugPages, gateway }
    // main measures the load figures too: perf and flows-perf run only when named.
    for (const name of chosen) {
      await lane.run({ journey: name }, async () => {
        log(`journey ${name}`)
        const t0 = Date.now()
        // A failed journey is reported and the next one still runs.
        await all[name](h).catch((e) => {
          laneFailed = true
          log(`journey ${name} stopped: ${e?.message ?? e}`)
        })
        log(`journey ${name}: ${Math.round((Date.now() - t0) / 1000)} s`)
      })
    }
  } finally {
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    await gateway.close()
    if (laneFailed || failed > failedBefore) console.log(`--- ipcc log of the lane ${chosen.join(',')} (last 4000 chars) ---\n${serverLog.slice(-4000)}`)
    rmSync(dir, { recursive: true, force: true })
  }
}

async function api(base, method, path, token, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

async function token(base, username, pw = password) {
  const r = await api(base, 'POST', '/api/v1/auth/login', null, username === 'admin' ? { username, password: pw } : { tenant: 'default', username, password: pw })
  assert(r.status === 200, `login ${username}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.token
}

async function login(page, base, lang, username) {
  const t = L[lang]
  await page.goto(`${base}/login?lang=${lang}`)
  await page.getByLabel(t.login.tenant).fill('default')
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill(password)
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

async function shot(page, name) {
  await page.waitForTimeout(300) // let Ant Design's transitions settle
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
}

async function journeys({ browser, base, ctl }) {
  const E = L.en
  const Z = L['zh-CN']
  const agentCtx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const supCtx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const agent = await agentCtx.newPage()
  const sup = await supCtx.newPage()
  debugPages.push(agent, sup)
  const cspErrors = []
  for (const p of [agent, sup]) {
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text())
    })
  }
  const agentToken = await token(base, '1005')
  const supToken = await token(base, 'supervisor')

  await step('agent signs in (English) and sees the desktop', async () => {
    await login(agent, base, 'en', '1005')
    assert(new URL(agent.url()).pathname === '/agent', `landed on ${agent.url()}`)
    await agent.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` }).waitFor()
    await shot(agent, 'agent-signed-out.en')
  })

  await step('agent cannot open supervisor pages (and the API refuses)', async () => {
    assert((await agent.getByRole('link', { name: E.nav.supervisor }).count()) === 0, 'the agent sees a supervisor link')
    await agent.goto(`${base}/supervisor`)
    await agent.getByText(E.app.noAccess).waitFor()
    assert((await agent.getByRole('region', { name: E.supervisor.agents, exact: true }).count()) === 0, 'the agent sees the agent grid')
    const r = await api(base, 'GET', '/api/v1/supervisor/snapshot', agentToken)
    assert(r.status === 403, `API answered ${r.status}`)
    await shot(agent, 'agent-no-access.en')
    await agent.goto(`${base}/agent`)
  })

  await step('agent signs in to all queues and is ready', async () => {
    await agent.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` }).click()
    await agent.getByRole('status', { name: E.agent.currentState }).getByText(E.state.available, { exact: true }).waitFor()
  })

  await step('supervisor signs in (Chinese) and sees agents and queues', async () => {
    await login(sup, base, 'zh-CN', 'supervisor')
    assert(new URL(sup.url()).pathname === '/supervisor', `landed on ${sup.url()}`)
    await sup.getByRole('region', { name: Z.supervisor.agents, exact: true }).getByText('赵敏 Zhao Min').waitFor()
    await sup.getByRole('region', { name: Z.supervisor.queues, exact: true }).getByText('Operator').first().waitFor()
  })

  let callId
  await step('a demo call reaches the agent: ringing banner and screen pop with the IVR variables', async () => {
    const r = await fetch(`${ctl}/calls`, {
      method: 'POST',
      body: JSON.stringify({
        front: 'freeswitch',
        from: '13900000888', // the sample's VIP
        to: '4001',
        press: [
          { after_ms: 4000, digits: '1' },
          { after_ms: 8000, digits: '12345678' },
          { after_ms: 14000, digits: '900501' },
        ],
        hangup_after_ms: 600000,
      }),
    })
    assert(r.ok, `sim call: ${r.status}`)
    const pop = agent.getByTestId('screen-pop')
    await pop.getByText('13900000888').first().waitFor({ timeout: 45_000 })
    await pop.getByText('12345678', { exact: true }).first().waitFor() // account, collected by the IVR
    await pop.getByText('900501', { exact: true }).first().waitFor() // birth date
    await pop.getByLabel(E.pop.vip).waitFor({ timeout: 10_000 })
    const m = await agent.evaluate(() => window.__ipccPop ?? [])
    assert(m.length >= 1, 'no screen pop metric')
    metrics.screenPop = m[0]
    console.log(`       screen pop: ${m[0].eventToPaintMs.toFixed(1)} ms from the offered event to paint (rendered after ${m[0].eventToRenderMs.toFixed(1)} ms; ${m[0].serverToPaintMs} ms from the server's event time)`)
    // The 300 ms target is checked on many pops below (the median); one
    // pop on a busy CI machine only has to be in the right range.
    target(m[0].eventToPaintMs <= 300, 'screen pop of a demo call ≤ 300 ms', `${m[0].eventToPaintMs.toFixed(1)} ms`)
    callId = m[0].call
    await agent.getByText(E.call.connected, { exact: true }).first().waitFor({ timeout: 15_000 }) // the demo phone answers
    await pop.getByText('operator').first().waitFor()
    await shot(agent, 'agent-on-call.en')
  })

  await step('agent holds and resumes the call (buttons and Alt+H)', async () => {
    await agent.getByRole('button', { name: new RegExp(`^${E.call.hold}`) }).click()
    await agent.getByText(E.call.held, { exact: true }).waitFor()
    await shot(agent, 'agent-on-hold.en')
    await agent.keyboard.press('Alt+KeyH')
    await agent.getByText(E.call.held, { exact: true }).waitFor({ state: 'detached' })
    const hangup = agent.getByRole('button', { name: new RegExp(`^${E.call.consultComplete}`) })
    assert(await hangup.isDisabled(), 'complete transfer is enabled without a consult')
  })

  await step('a hold on the desk phone itself (the switch reports it) reaches the desktop', async () => {
    const legs = (await (await fetch(`${ctl}/calls`)).json()).calls ?? []
    const phone = legs.filter((c) => c.endpoint === '1005' && !c.inbound && c.state !== 'gone').pop()
    assert(phone, `no live leg of phone 1005: ${JSON.stringify(legs.map((c) => [c.endpoint, c.state]))}`)
    const r = await fetch(`${ctl}/calls/${phone.id}/hold`, { method: 'POST' })
    assert(r.ok, `sim hold: ${r.status}`)
    await agent.getByText(E.call.held, { exact: true }).waitFor()
    await shot(agent, 'agent-phone-hold.en')
    const r2 = await fetch(`${ctl}/calls/${phone.id}/unhold`, { method: 'POST' })
    assert(r2.ok, `sim unhold: ${r2.status}`)
    await agent.getByText(E.call.held, { exact: true }).waitFor({ state: 'detached' })
  })

  await step('supervisor listens, whispers and barges on the call (Chinese)', async () => {
    const grid = sup.getByRole('region', { name: Z.supervisor.agents, exact: true })
    await grid.getByText('赵敏 Zhao Min').click()
    const panel = sup.getByLabel(Z.supervisor.selectedCall)
    await panel.getByText(callId).waitFor()
    for (const mode of ['listen', 'whisper', 'barge']) {
      await panel.getByRole('button', { name: Z.supervisor[mode], exact: true }).click()
      await panel.getByRole('status').getByText(Z.supervisor[mode]).waitFor()
    }
    const rec = await waitFor(async () => {
      const r = await api(base, 'GET', `/api/v1/calls/${callId}`, supToken)
      return r.status === 200 && (r.body.legs ?? []).some((l) => /listen|whisper|barge/.test(l.role ?? '')) && r.body
    }, 'a monitor leg on the call record', 15_000)
    assert(rec, 'no monitor leg')
    await shot(sup, 'supervisor-barge.zh-CN')
    await panel.getByRole('button', { name: Z.supervisor.stop }).click()
    await panel.getByRole('status').getByText(Z.supervisor.modeNone).waitFor()
  })

  let wbKey
  await step('the wallboard (read-only key) shows the call', async () => {
    const admin = await token(base, 'admin', adminPassword)
    const r = await api(base, 'POST', '/api/v1/apikeys', admin, { name: 'tv', role: 'wallboard' }, { 'X-IPCC-Tenant': 'default' })
    assert(r.status === 201, `wallboard key: ${r.status} ${JSON.stringify(r.body)}`)
    wbKey = r.body.key
    const tv = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await tv.newPage()
    await page.goto(`${base}/wallboard?lang=en#key=${wbKey}`)
    const onCall = page.getByRole('group', { name: E.wallboard.agents })
    await onCall.getByText(`${E.state['on-call']}: 1`).waitFor()
    const calls = page.getByRole('group', { name: E.wallboard.callsToday })
    await waitFor(async () => Number(await calls.locator('.kpi-value').innerText()) >= 1, 'calls today ≥ 1')
    assert(!page.url().includes('key='), 'the key stays in the address bar')
    await shot(page, 'wallboard.en')
    await page.goto(`${base}/wallboard?lang=zh-CN`)
    await page.getByRole('group', { name: Z.wallboard.agents }).getByText(`${Z.state['on-call']}: 1`).waitFor()
    await shot(page, 'wallboard.zh-CN')
    const refused = await api(base, 'GET', '/api/v1/supervisor/snapshot', null, undefined, { 'X-API-Key': wbKey })
    assert(refused.status === 403, `the wallboard key read the snapshot: ${refused.status}`)
    await tv.close()
  })

  await step('the desktop survives a dropped WebSocket and a page reload mid-call', async () => {
    await agent.evaluate(() => window.dispatchEvent(new Event('offline')))
    await agent.context().setOffline(true)
    await agent.waitForTimeout(1500)
    await agent.context().setOffline(false)
    await agent.reload()
    await agent.getByText(E.call.connected, { exact: true }).first().waitFor()
    await agent.getByTestId('screen-pop').getByText('12345678', { exact: true }).first().waitFor()
    await agent.getByText(E.app.connection.open).waitFor({ timeout: 15_000 })
  })

  await step('agent transfers the caller to the sales queue and goes to wrap-up', async () => {
    await agent.getByRole('button', { name: new RegExp(`^${E.call.transfer}`) }).click()
    const dlg = agent.getByRole('dialog')
    await dlg.getByText(E.transfer.kinds.queue, { exact: true }).click()
    await dlg.getByRole('combobox', { name: E.transfer.target }).fill('sales')
    await agent.keyboard.press('Enter') // takes the one matching queue and closes the list
    await shot(agent, 'agent-transfer.en')
    await dlg.getByRole('button', { name: E.transfer.submit }).click()
    await agent.getByRole('status', { name: E.agent.currentState }).getByText(E.state['wrap-up']).waitFor({ timeout: 15_000 })
    await agent.getByText(E.agent.endWrapUp).waitFor()
    const rec = await waitFor(async () => {
      const r = await api(base, 'GET', `/api/v1/calls/${callId}`, supToken)
      return r.status === 200 && (r.body.transfers ?? 0) >= 1 && r.body
    }, 'the transfer on the call record', 15_000)
    assert(rec, 'no transfer')
    await shot(agent, 'agent-wrap-up.en')
  })

  await step('both languages: the agent desktop in Chinese, the supervisor console in English', async () => {
    await agent.getByRole('combobox', { name: E.app.language }).click({ force: true })
    await agent.getByText('简体中文', { exact: true }).last().click()
    await agent.getByRole('button', { name: new RegExp(`^${Z.call.hangup}`) }).waitFor()
    // A toast still on screen (the transfer's) turned Chinese with the page.
    const toasts = await agent.locator('.ant-message-notice').allInnerTexts()
    const english = E.call.actionDone.replace('{{action}}', E.call.transfer)
    assert(!toasts.some((x) => x.includes(english)), `an English toast on the Chinese desktop: ${toasts.join(' | ')}`)
    await shot(agent, 'agent-desktop.zh-CN')
    await sup.getByRole('combobox', { name: Z.app.language }).click({ force: true })
    await sup.getByText('English', { exact: true }).last().click()
    await sup.getByText(E.supervisor.selectHint).or(sup.getByLabel(E.supervisor.selectedCall)).first().waitFor()
    await shot(sup, 'supervisor.en')
    await sup.reload()
    await sup.getByRole('region', { name: E.supervisor.agents, exact: true }).waitFor() // the choice is remembered
  })

  let call2
  await step('supervisor accepts a help request with whisper (English)', async () => {
    // The agent gets a call again: the one transferred to sales comes back
    // to them (they are in every queue), or a new demo call.
    let placed = false
    call2 = await waitFor(async () => {
      const st = (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
      if (st?.state === 'wrap-up') await api(base, 'POST', '/api/v1/agent/wrap-up/end', agentToken)
      if (st?.state === 'not-ready') await api(base, 'POST', '/api/v1/agent/ready', agentToken)
      if (st?.state === 'available' && !placed) {
        placed = true
        const r = await fetch(`${ctl}/calls`, {
          method: 'POST',
          body: JSON.stringify({ front: 'freeswitch', from: '13900000777', to: '4001', press: [{ after_ms: 4000, digits: '0' }], hangup_after_ms: 600000 }),
        })
        assert(r.ok, `sim call: ${r.status}`)
      }
      return st?.state === 'on-call' && st.call_id
    }, 'a call connected to the agent again', 60_000)
    // The agent asks for help (a consult of the supervisor's phone, which
    // answers); the supervisor's console gets the request.
    const rings = async () => ((await (await fetch(`${ctl}/calls`)).json()).calls ?? []).filter((c) => c.endpoint === '1009' && !c.inbound).length
    const before = await rings()
    const h = await api(base, 'POST', '/api/v1/agent/call/help', agentToken, { kind: 'extension', target: '1009' })
    assert(h.status < 300, `help: ${h.status} ${JSON.stringify(h.body)}`)
    const accept = sup.getByRole('button', { name: E.supervisor.acceptWhisper })
    await accept.waitFor({ timeout: 15_000 })
    // The agent's desktop (left in Chinese by the step before) says the
    // caller is held for a consultation, not a plain hold.
    await agent.getByText(Z.call.consultingTag, { exact: true }).waitFor({ timeout: 15_000 })
    assert(!(await agent.getByText(Z.call.held, { exact: true }).isVisible()), 'the desktop shows a plain "On hold" during the consultation')
    await shot(agent, 'agent-consulting.zh-CN')
    await sup.getByRole('button', { name: E.supervisor.acceptBarge }).waitFor()
    await shot(sup, 'supervisor-help-request.en')
    assert((await rings()) === before + 1, `the help request rang the supervisor's phone ${(await rings()) - before} times`)
    // Accepting takes the supervisor's phone, already on the consultation,
    // into the call with whisper: the caller is back with the agent and the
    // phone is not rung again.
    await accept.click()
    const panel = sup.getByLabel(E.supervisor.selectedCall)
    await panel.getByText(call2).waitFor()
    await panel.getByRole('status').getByText(E.supervisor.whisper, { exact: true }).waitFor({ timeout: 20_000 })
    await waitFor(async () => {
      const r = await api(base, 'GET', `/api/v1/calls/${call2}`, supToken)
      return r.status === 200 && (r.body.legs ?? []).some((l) => l.role === 'whisper')
    }, 'a whisper leg on the call record', 15_000)
    assert((await rings()) === before + 1, `accepting the help request rang the supervisor's phone again (${(await rings()) - before} rings)`)
    // The agent's consultation is over: the caller is back with them.
    await agent.getByText(Z.call.consultingTag, { exact: true }).waitFor({ state: 'detached', timeout: 15_000 })
    const st = (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
    assert(st?.state === 'on-call' && st.call_id === call2, `the agent is not back on the call: ${JSON.stringify(st)}`)
    await shot(sup, 'supervisor-help-whisper.en')
  })

  await step('supervisor takes over the call (Chinese): the agent is released, audited', async () => {
    await sup.getByRole('combobox', { name: E.app.language }).click({ force: true })
    await sup.getByText('简体中文', { exact: true }).last().click()
    const panel = sup.getByLabel(Z.supervisor.selectedCall)
    await panel.getByRole('button', { name: Z.supervisor.takeOver }).click()
    const confirm = sup.locator('.ant-popconfirm')
    await confirm.getByText(Z.supervisor.takeOverConfirm).waitFor()
    await shot(sup, 'supervisor-takeover-confirm.zh-CN')
    await confirm.getByRole('button', { name: /确\s?定|OK/ }).click()
    await sup.getByText(Z.supervisor.takenOver).waitFor({ timeout: 20_000 })
    await waitFor(async () => (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body?.call_id !== call2, 'the agent to be released from the call', 20_000)
    await waitFor(async () => {
      const r = await api(base, 'GET', `/api/v1/calls/${call2}`, supToken)
      return r.status === 200 && (r.body.transfers ?? 0) >= 1
    }, 'the take-over on the call record', 15_000)
    const admin = await token(base, 'admin', adminPassword)
    const audit = await waitFor(async () => {
      const r = await api(base, 'GET', '/api/v1/audit?limit=50', admin, undefined, { 'X-IPCC-Tenant': 'default' })
      return r.status === 200 && JSON.stringify(r.body).includes('takeover') && r.body
    }, 'the take-over in the audit log', 10_000)
    assert(audit, 'no audit entry')
    await shot(sup, 'supervisor-takeover.zh-CN')
    await shot(agent, 'agent-taken-over.zh-CN')
  })

  // The admin console and the report pages (e2e/admin.mjs).
  await adminJourneys({ browser, base, ctl, step, waitFor, assert, api, token, shot, adminPassword, agentPage: agent, agentToken, debugPages })
  // The outbound routing pages (e2e/outbound.mjs).
  await outboundJourney({ browser, base, step, assert, api, token, shot, adminPassword, debugPages })
  // The prompts library page (e2e/prompts.mjs).
  await promptsJourney({ browser, base, step, assert, api, token, shot, adminPassword, debugPages })
  // The campaigns page (e2e/campaigns.mjs).
  await campaignsJourney({ browser, base, step, assert, api, token, shot, adminPassword, debugPages })
  // The webhooks page (e2e/webhooks.mjs).
  await webhooksJourney({ browser, base, step, assert, api, token, shot, adminPassword, debugPages })

  await step('login page in both languages', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const p = await ctx.newPage()
    for (const lang of ['en', 'zh-CN']) {
      await p.goto(`${base}/login?lang=${lang}`)
      await p.getByRole('button', { name: L[lang].login.submit }).waitFor()
      await shot(p, `login.${lang}`)
    }
    await ctx.close()
  })

  await step('agent first load stays under 400 KB of gzipped JavaScript', async () => {
    const ctx = await browser.newContext()
    const p = await ctx.newPage()
    await login(p, base, 'en', '1002')
    const st = await p.evaluate(() => sessionStorage.getItem('ipcc.session'))
    await ctx.close()
    // A fresh tab with the session: what an agent's browser loads for /agent.
    const fresh = await browser.newContext()
    await fresh.addInitScript((s) => sessionStorage.setItem('ipcc.session', s), st)
    const page = await fresh.newPage()
    const urls = new Set()
    page.on('response', (r) => r.url().endsWith('.js') && urls.add(r.url()))
    await page.goto(`${base}/agent`, { waitUntil: 'networkidle' })
    await page.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` }).waitFor()
    let raw = 0
    let gz = 0
    const each = []
    for (const u of urls) {
      const b = Buffer.from(await (await fetch(u)).arrayBuffer())
      const z = gzipSync(b, { level: 9 }).length
      raw += b.length
      gz += z
      each.push(`${u.split('/').pop()} ${Math.round(z / 1024)} KB`)
    }
    console.log(`       agent first load files: ${each.join(', ')}`)
    await fresh.close()
    metrics.agentFirstLoad = { files: urls.size, rawKB: Math.round(raw / 1024), gzipKB: Math.round(gz / 1024) }
    console.log(`       agent first load: ${urls.size} JS files, ${metrics.agentFirstLoad.gzipKB} KB gzipped (${metrics.agentFirstLoad.rawKB} KB raw)`)
    assert(gz <= 400 * 1024, `agent first load is ${Math.round(gz / 1024)} KB gzipped`)
  })

  await step('screen pop within 300 ms of the offered event (median of 15)', async () => {
    metrics.screenPopRepeated = await perfScreenPop(browser, base, agentToken)
    const p = metrics.screenPopRepeated
    console.log(`       screen pop over ${p.runs} offers: median ${p.p50Ms} ms, p90 ${p.p90Ms} ms, max ${p.maxMs} ms`)
    target(p.p50Ms <= 300, 'median screen pop ≤ 300 ms', `median ${p.p50Ms} ms`)
  })

  await step('supervisor grid with 500 agents and 50 events/s has no task over 50 ms', async () => {
    // A CI machine shared with other jobs can stall any page now and then:
    // one more attempt is allowed, and every attempt is reported.
    const attempts = []
    for (let i = 0; i < 2; i++) {
      const g = await perfSupervisorGrid(browser, base, supToken)
      attempts.push(g)
      console.log(`       supervisor grid: ${g.events} events in ${g.seconds} s to ${g.agents} agents; long tasks: ${g.longTasks} (max ${g.maxLongTaskMs} ms)`)
      if (g.maxLongTaskMs <= 50) break
    }
    metrics.supervisorGrid = attempts
    target(attempts.some((g) => g.maxLongTaskMs <= 50), 'supervisor grid: no main-thread task over 50 ms', `longest task ${attempts.map((g) => g.maxLongTaskMs).join(' / ')} ms`)
  })

  await step('no Content-Security-Policy violations', async () => {
    assert(cspErrors.length === 0, cspErrors.join('\n'))
  })
}

// The browser phone registers on the agent's assigned extension as soon as
// the desktop opens (before sign-in), and stays registered through sign-in
// and sign-out. The switch is a fake SIP registrar on a WebSocket.
async function softphoneJourney({ browser, base }) {
  const E = L.en
  const Z = L['zh-CN']
  const reg = await startRegistrar()
  const admin = await token(base, 'admin', adminPassword)
  const T = { 'X-IPCC-Tenant': 'default' }
  const before = (await api(base, 'GET', '/api/v1/desktop/settings', admin, undefined, T)).body
  const agentToken = await token(base, '1005')
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const page = await ctx.newPage()
  debugPages.push(page)
  try {
    const r = await api(base, 'PUT', '/api/v1/desktop/settings', admin, { ...before, sip_wss_url: reg.url, sip_domain: 'demo.test' }, T)
    assert(r.status < 300, `desktop settings: ${r.status} ${JSON.stringify(r.body)}`)
    await api(base, 'POST', '/api/v1/agent/logout', agentToken)
    const phone = page.getByTestId('softphone')
    const registered = () => phone.getByText(E.softphone.registered, { exact: true })

    await step('softphone: the signed-out agent registers the browser phone on their assigned extension', async () => {
      await login(page, base, 'en', '1005')
      await page.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` }).waitFor()
      await phone.getByText(`${E.softphone.title} · 1005`).waitFor()
      await phone.getByLabel(E.softphone.password).fill('secret-1005')
      await phone.getByRole('button', { name: E.softphone.register }).click()
      await registered().waitFor({ timeout: 15_000 })
      await waitFor(() => reg.registered.has('1005'), 'REGISTER of 1005 at the switch', 10_000)
      // Not signed in: the dial pad says the browser phone dials.
      await page.getByText(E.dial.viaPhone.replace('{{ext}}', '1005')).waitFor()
      await shot(page, 'agent-softphone-signed-out.en')
    })

    await step('softphone: a reload registers again by itself (password kept in the tab)', async () => {
      reg.registered.clear()
      await page.reload()
      await registered().waitFor({ timeout: 15_000 })
      await waitFor(() => reg.registered.has('1005'), 'a new REGISTER of 1005 after the reload', 10_000)
    })

    await step('softphone: still registered after sign-in and sign-out', async () => {
      const n = reg.log.length
      await page.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` }).click()
      await page.getByRole('status', { name: E.agent.currentState }).getByText(E.state.available, { exact: true }).waitFor()
      await registered().waitFor()
      await page.waitForTimeout(1000)
      assert(reg.registered.has('1005'), 'the extension was unregistered at sign-in')
      assert(!reg.log.slice(n).includes('REGISTER') || reg.registered.has('1005'), 'registration lost')
      await page.getByRole('button', { name: E.agent.signOut, exact: true }).click()
      await page.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` }).waitFor()
      await page.waitForTimeout(1000)
      await registered().waitFor()
      assert(reg.registered.has('1005'), 'the extension was unregistered at sign-out')
    })

    await step('softphone: the browser phone in Chinese', async () => {
      await page.getByRole('combobox', { name: E.app.language }).click({ force: true })
      await page.getByText('简体中文', { exact: true }).last().click()
      await phone.getByText(Z.softphone.registered, { exact: true }).waitFor()
      await shot(page, 'agent-softphone-signed-out.zh-CN')
      await page.getByRole('combobox', { name: Z.app.language }).click({ force: true })
      await page.getByText('English', { exact: true }).last().click()
      await phone.getByRole('button', { name: E.softphone.unregister }).click()
      await phone.getByRole('button', { name: E.softphone.register }).waitFor()
      await waitFor(() => !reg.registered.has('1005'), 'the un-REGISTER of 1005', 10_000)
    })
  } finally {
    await api(base, 'PUT', '/api/v1/desktop/settings', admin, before, T)
    await ctx.close()
    await reg.close()
  }
}

// The supervisor filters the agent grid by group (班组) — the demo puts its
// agents in two — and by queue, in both languages.
async function groupsJourney({ browser, base }) {
  const E = L.en
  const Z = L['zh-CN']
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const page = await ctx.newPage()
  debugPages.push(page)
  const pick = async (label, option) => {
    await page.getByRole('combobox', { name: label }).click({ force: true })
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option-content').getByText(option, { exact: true }).click()
  }
  try {
    await step('groups: the supervisor filters the agent grid by group (English)', async () => {
      await login(page, base, 'en', 'supervisor')
      const grid = page.getByRole('region', { name: E.supervisor.agents, exact: true })
      await grid.getByText('赵敏 Zhao Min').waitFor()
      await grid.getByText('二组 Team 2').first().waitFor() // the group column
      await pick(E.supervisor.filterGroup, '一组 Team 1')
      await grid.getByText('赵敏 Zhao Min').waitFor({ state: 'detached' })
      await grid.getByText('张伟 Zhang Wei').waitFor()
      await grid.getByText('王芳 Wang Fang').waitFor()
      assert((await grid.getByText('李娜 Li Na').count()) === 0, 'an agent of another group is shown')
      await shot(page, 'supervisor-group-filter.en')
    })

    await step('groups: group and queue filters together (Chinese)', async () => {
      await page.getByRole('combobox', { name: E.app.language }).click({ force: true })
      await page.getByText('简体中文', { exact: true }).last().click()
      const grid = page.getByRole('region', { name: Z.supervisor.agents, exact: true })
      await pick(Z.supervisor.filterGroup, '二组 Team 2')
      await grid.getByText('赵敏 Zhao Min').waitFor()
      assert((await grid.getByText('张伟 Zhang Wei').count()) === 0, 'group one is still shown')
      // 1005 signs in to every queue; the others of group two are signed
      // out (a quiet demo): the queue filter keeps 1005 only.
      const agentToken = await token(base, '1005')
      const r = await api(base, 'POST', '/api/v1/agent/login', agentToken, {})
      assert(r.status === 200, `agent login: ${r.status} ${JSON.stringify(r.body)}`)
      try {
        await pick(Z.supervisor.filterQueue, '人工服务 Operator')
        await grid.getByText('赵敏 Zhao Min').waitFor()
        await grid.getByText('李娜 Li Na').waitFor({ state: 'detached' })
        assert((await grid.getByText('张伟 Zhang Wei').count()) === 0, 'group one is shown with the queue filter')
        await shot(page, 'supervisor-group-filter.zh-CN')
      } finally {
        await api(base, 'POST', '/api/v1/agent/logout', agentToken)
      }
    })
  } finally {
    await ctx.close()
  }
}

// The demo's preview campaign on the agent desktop: the next customer pops
// with their data and the number hidden, one is skipped with a reason,
// the next dialled (the agent's phone, then the customer), and the result
// and questionnaire answers entered; in both languages.
async function campaignJourney({ browser, base }) {
  const E = L.en
  const Z = L['zh-CN']
  const C = E.agent.campaign
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1100 } })
  const page = await ctx.newPage()
  debugPages.push(page)
  const admin = await token(base, 'admin', adminPassword)
  const T = { 'X-IPCC-Tenant': 'default' }
  const agentToken = await token(base, '1005')
  const card = page.getByRole('region', { name: C.title }).or(page.locator('.ant-card').filter({ has: page.getByText(C.title, { exact: true }) })).first()
  const leadCard = page.getByTestId('campaign-lead')
  try {
    await step('campaign: the agent takes the next customer of the preview campaign (number hidden)', async () => {
      await login(page, base, 'en', '1005')
      const st = (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
      if (st?.state === 'logged-out') await page.getByRole('button', { name: `${E.agent.signIn} · ${E.agent.signInAll}` }).click()
      await page.getByRole('status', { name: E.agent.currentState }).getByText(E.state.available, { exact: true }).waitFor()
      await card.getByRole('button', { name: C.next }).click()
      await leadCard.waitFor()
      await leadCard.getByText(C.masked).waitFor()
      const number = await leadCard.locator('strong').first().innerText()
      assert(/^1\d\d\*{4}\d{4}$/.test(number.replace(/\s/g, '')), `the number is not masked: ${number}`)
      await leadCard.getByText('plan', { exact: true }).waitFor() // the lead's own fields
      await shot(page, 'agent-campaign-preview.en')
    })

    let skipped
    await step('campaign: the agent skips a customer with a reason', async () => {
      skipped = await leadCard.locator('td').first().innerText()
      await card.getByRole('button', { name: C.skip }).waitFor()
      assert(await card.getByRole('button', { name: C.skip }).isDisabled(), 'skip without a reason is enabled')
      await card.getByLabel(C.skipReason).fill('customer asked for next week')
      await card.getByRole('button', { name: C.skip }).click()
      await page.getByText(C.skipped).first().waitFor()
      await card.getByRole('button', { name: C.next }).click()
      await leadCard.waitFor()
      const name = await leadCard.locator('td').first().innerText()
      assert(name !== skipped, `the skipped customer ${skipped} came back at once`)
    })

    let attempt
    await step('campaign: the agent dials, talks and enters the result with the questionnaire', async () => {
      const name = await leadCard.locator('td').first().innerText()
      await card.getByRole('button', { name: C.dial }).click()
      await card.getByText(C.onCall.replace('{{name}}', name)).waitFor({ timeout: 30_000 })
      const form = card.getByRole('form', { name: C.script }).or(card.locator('form')).first()
      await form.getByLabel(C.yes).check()
      await form.getByRole('combobox', { name: /Which new plan/ }).click({ force: true })
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option-content').getByText('5G 畅享 199', { exact: true }).click()
      await form.getByRole('combobox', { name: C.disposition }).click({ force: true })
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option-content').getByText('有意向 Interested', { exact: true }).click()
      await form.getByLabel(C.note).fill('wants the 199 plan from next month')
      await shot(page, 'agent-campaign-call.en')
      // "Call back at…": a call-back of this lead, the agent's own for the
      // campaign's grace period (30 minutes in the demo) after it is due.
      await scheduleLeadCallback(page, card, E, 'en', 'call about the 199 plan')
      const cbs = await waitFor(async () => {
        const x = await api(base, 'GET', '/api/v1/callbacks?owner=me', agentToken)
        return x.status === 200 && (x.body ?? []).find((c) => c.campaign_id === 'demo-preview' && c.note === 'call about the 199 plan') && x
      }, 'the scheduled call-back of the lead', 15_000)
      const cb = cbs.body.find((c) => c.campaign_id === 'demo-preview' && c.note === 'call about the 199 plan')
      assert(cb.lead_id > 0 && !/13800001\d{3}/.test(JSON.stringify(cb)), `call-back ${JSON.stringify(cb)}: no lead, or the hidden number shows`)
      const grace = Date.parse(cb.owner_until) - Date.parse(cb.due_at)
      assert(grace === 30 * 60 * 1000, `grace period ${grace} ms, want the campaign's 30 minutes`)
      await form.getByRole('button', { name: C.save }).click()
      await page.getByText(C.saved).first().waitFor()
      const r = await waitFor(async () => {
        const x = await api(base, 'GET', '/api/v1/campaigns/demo-preview/attempts', admin, undefined, T)
        return x.status === 200 && (x.body ?? []).find((a) => a.disposition === 'interested') && x
      }, 'the result on the campaign attempt', 15_000)
      const a = r.body.find((x) => x.disposition === 'interested')
      attempt = a
      assert(a.answers?.satisfied === true && a.answers?.interest === '5G 畅享 199', `answers ${JSON.stringify(a.answers)}`)
      // The agent hangs up from the desktop (their own outbound call).
      const hangup = page.getByRole('button', { name: new RegExp(`^${E.call.hangup}`) })
      assert(!(await hangup.isDisabled()), 'hang-up is disabled on the campaign call')
      assert(await page.getByRole('button', { name: new RegExp(`^${E.call.transfer}`) }).isDisabled(), 'transfer is enabled on an own outbound call')
      await hangup.click()
    })

    await step('campaign: the campaign screen in Chinese', async () => {
      assert(attempt, 'no attempt')
      await page.getByRole('combobox', { name: E.app.language }).click({ force: true })
      await page.getByText('简体中文', { exact: true }).last().click()
      const zcard = page.locator('.ant-card').filter({ has: page.getByText(Z.agent.campaign.title, { exact: true }) }).first()
      await waitFor(async () => {
        const st = (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
        if (st?.state === 'wrap-up') await api(base, 'POST', '/api/v1/agent/wrap-up/end', agentToken)
        return st?.call_id == null || st?.call_id === ''
      }, 'the campaign call to end', 20_000)
      await zcard.getByRole('button', { name: Z.agent.campaign.next }).click()
      await leadCard.getByText(Z.agent.campaign.masked).waitFor()
      await shot(page, 'agent-campaign-preview.zh-CN')
      // This customer is called too, and a call-back agreed in Chinese.
      const name = await leadCard.locator('td').first().innerText()
      await zcard.getByRole('button', { name: Z.agent.campaign.dial }).click()
      await zcard.getByText(Z.agent.campaign.onCall.replace('{{name}}', name)).waitFor({ timeout: 30_000 })
      await scheduleLeadCallback(page, zcard, Z, 'zh-CN', '下周一上午回访')
      await page.getByRole('button', { name: new RegExp(`^${Z.call.hangup}`) }).click()
      await waitFor(async () => {
        const st = (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
        return st?.call_id == null || st?.call_id === ''
      }, 'the Chinese campaign call to end', 20_000)
      const x = await api(base, 'GET', '/api/v1/callbacks?owner=me', agentToken)
      assert((x.body ?? []).some((c) => c.note === '下周一上午回访' && c.lead_id > 0), `the Chinese call-back is not listed: ${JSON.stringify(x.body)}`)
    })
  } finally {
    await api(base, 'POST', '/api/v1/agent/logout', agentToken)
    await ctx.close()
  }
}

// scheduleLeadCallback opens "call back at…" on the campaign card during
// the call, picks a time two days ahead, keeps the call-back for the agent
// and schedules it (screenshot of the dialog in lang).
async function scheduleLeadCallback(page, card, t, lang, note) {
  const S = t.callbacks.schedule
  await card.getByRole('button', { name: S.open }).click()
  const dlg = page.getByRole('dialog', { name: S.title })
  await dlg.waitFor()
  const day = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10)
  await dlg.locator('input[type="datetime-local"]').fill(`${day}T10:00`)
  await dlg.getByText(S.grace.replace('{{minutes}}', '30')).waitFor() // the demo campaign's callback_grace_ms
  await dlg.getByLabel(S.note).fill(note)
  await shot(page, `agent-campaign-callback.${lang}`)
  await dlg.getByRole('button', { name: S.ok }).click()
  await page.getByText(S.done).first().waitFor()
  await dlg.waitFor({ state: 'hidden' })
}

// The load figures alone (main runs them too): the repeated screen pop and
// the supervisor grid under 500 agents and 50 events/s.
async function perfJourney({ browser, base }) {
  const agentToken = await token(base, '1005')
  const supToken = await token(base, 'supervisor')
  await step('perf: screen pop within 300 ms of the offered event (median of 15)', async () => {
    const p = await perfScreenPop(browser, base, agentToken)
    console.log(`       screen pop over ${p.runs} offers: median ${p.p50Ms} ms, p90 ${p.p90Ms} ms, max ${p.maxMs} ms`)
    target(p.p50Ms <= 300, 'median screen pop ≤ 300 ms', `median ${p.p50Ms} ms`)
  })
  await step('perf: supervisor grid with 500 agents and 50 events/s has no task over 50 ms', async () => {
    const attempts = []
    for (let i = 0; i < 2; i++) {
      const g = await perfSupervisorGrid(browser, base, supToken)
      attempts.push(g)
      console.log(`       supervisor grid: ${g.events} events in ${g.seconds} s to ${g.agents} agents; long tasks: ${g.longTasks} (max ${g.maxLongTaskMs} ms)`)
      if (g.maxLongTaskMs <= 50) break
    }
    target(attempts.some((g) => g.maxLongTaskMs <= 50), 'supervisor grid: no main-thread task over 50 ms', `longest task ${attempts.map((g) => g.maxLongTaskMs).join(' / ')} ms`)
  })
}

main().then(
  () => {
    console.log(`e2e: ${results.filter((r) => r.ok).length}/${results.length} passed`)
    process.exit(failed ? 1 : 0)
  },
  (e) => {
    console.log(`e2e: failed: ${e?.message ?? e}`)
    process.exit(1)
  },
)
