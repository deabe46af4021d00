// Browser softphone against a real FreeSWITCH (env-gated; docs/testing-real-switches.md).
//
//   IPCC_TEST_FREESWITCH_WS=ws://127.0.0.1:5066 IPCC_BIN=../bin/ipcc node e2e/softphone.mjs
//
// ipcc serve --demo serves the console (its demo agent 1005 has device 1005);
// the tenant's desktop settings point the softphone at the real FreeSWITCH's
// SIP WebSocket; the agent desktop registers extension 1005 there (SIP.js,
// as an agent would), FreeSWITCH originates a call to user/1005 over ESL, the
// browser rings, the agent answers and the test checks that media flows
// (RTCPeerConnection inbound-rtp bytesReceived > 0). Skips (exit 0) without
// IPCC_TEST_FREESWITCH_WS.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

const wsURL = process.env.IPCC_TEST_FREESWITCH_WS
if (!wsURL) {
  console.log('skip: set IPCC_TEST_FREESWITCH_WS (e.g. ws://127.0.0.1:5066) to run the softphone against a real FreeSWITCH')
  process.exit(0)
}
const ext = process.env.IPCC_TEST_FREESWITCH_EXT ?? '1005'
// The extension's SIP password: the kit's vars.xml default_password unless given.
const varsXML = '/opt/ipcc-switches/freeswitch/etc/freeswitch/vars.xml'
const sipPassword =
  process.env.IPCC_TEST_FREESWITCH_SIP_PASSWORD ?? (existsSync(varsXML) ? readFileSync(varsXML, 'utf8').match(/data="default_password=([^"]+)"/)?.[1] : undefined) ?? '1234'
const sipDomain = process.env.IPCC_TEST_FREESWITCH_DOMAIN ?? new URL(wsURL.replace(/^ws/, 'http')).hostname
const eslAddr = process.env.IPCC_TEST_FREESWITCH_ESL ?? '127.0.0.1:8021'
const eslPassword = process.env.IPCC_TEST_FREESWITCH_ESL_PASSWORD ?? 'ClueCon'
const here = new URL('.', import.meta.url).pathname
const bin = resolve(process.env.IPCC_BIN ?? join(here, '../../bin/ipcc'))
const browserPath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const en = JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8'))
const out = join(here, 'out')
mkdirSync(out, { recursive: true })
const adminPassword = 'e2e-admin-password'

const assert = (c, m) => {
  if (!c) throw new Error(m)
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function waitFor(fn, what, ms = 20000) {
  const end = Date.now() + ms
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch {
      /* retry */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(250)
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
async function api(base, method, path, token, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

// esl sends one api command over a fresh ESL connection and returns its reply body.
function esl(cmd) {
  const [host, port] = eslAddr.split(':')
  return new Promise((res, rej) => {
    const s = connect(Number(port), host)
    let buf = ''
    let stage = 0
    const timer = setTimeout(() => (s.destroy(), rej(new Error(`esl ${cmd}: timeout`))), 15000)
    s.on('error', rej)
    s.on('data', (d) => {
      buf += d
      if (stage === 0 && buf.includes('auth/request')) {
        stage = 1
        buf = ''
        s.write(`auth ${eslPassword}\n\n`)
      } else if (stage === 1 && buf.includes('Reply-Text:')) {
        if (!buf.includes('+OK')) return rej(new Error(`esl auth: ${buf}`))
        stage = 2
        buf = ''
        s.write(`api ${cmd}\n\n`)
      } else if (stage === 2) {
        const m = buf.match(/Content-Length: (\d+)\n\n/)
        if (m) {
          const body = buf.slice(buf.indexOf('\n\n') + 2)
          if (Buffer.byteLength(body) >= Number(m[1])) {
            clearTimeout(timer)
            s.end()
            res(body)
          }
        }
      }
    })
  })
}

async function main() {
  assert(existsSync(bin), `no ipcc binary at ${bin} (make build)`)
  assert(browserPath, 'no chromium')
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'ipcc-softphone-'))
  const server = spawn(bin, ['serve', '--demo', '--demo-quiet', '--log-format', 'text', '--log-level', 'warn'], {
    cwd: dir,
    env: { ...process.env, IPCC_HTTP_ADDR: `127.0.0.1:${port}`, IPCC_ADMIN_PASSWORD: adminPassword },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let serverLog = ''
  server.stderr.on('data', (d) => (serverLog += d))
  let browser
  let page
  let uuid
  try {
    await waitFor(async () => (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ tenant: 'default', username: ext, password: 'ipcc-demo' }) })).ok, 'ipcc and the demo users')
    const admin = (await api(base, 'POST', '/api/v1/auth/login', null, { username: 'admin', password: adminPassword })).body.token
    const r = await api(base, 'PUT', '/api/v1/desktop/settings', admin, { sip_wss_url: wsURL, sip_domain: sipDomain }, { 'X-IPCC-Tenant': 'default' })
    assert(r.status === 200, `desktop settings: ${r.status} ${JSON.stringify(r.body)}`)

    browser = await chromium.launch({
      executablePath: browserPath,
      args: [
        '--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
        // A test switch's self-signed WSS certificate (the kit's 7443): trusted only when asked.
        ...(process.env.IPCC_TEST_INSECURE_WSS === '1' ? ['--ignore-certificate-errors'] : []),
      ],
    })
    const ctx = await browser.newContext({ permissions: ['microphone'] })
    // Keep every RTCPeerConnection SIP.js makes, to read its stats.
    await ctx.addInitScript(() => {
      const Orig = window.RTCPeerConnection
      window.__pcs = []
      window.RTCPeerConnection = function (...a) {
        const pc = new Orig(...a)
        window.__pcs.push(pc)
        return pc
      }
      window.RTCPeerConnection.prototype = Orig.prototype
      Object.setPrototypeOf(window.RTCPeerConnection, Orig)
    })
    page = await ctx.newPage()
    page.on('console', (m) => ['error', 'warning'].includes(m.type()) && console.log(`  [browser ${m.type()}] ${m.text().slice(0, 300)}`))
    await page.goto(`${base}/login?lang=en`)
    await page.getByLabel(en.login.tenant).fill('default')
    await page.getByLabel(en.login.username).fill(ext)
    await page.getByLabel(en.login.password).fill('ipcc-demo')
    await page.getByRole('button', { name: en.login.submit }).click()
    await page.waitForURL((u) => !u.pathname.startsWith('/login'))

    // The softphone registers the agent's extension (its assigned device)
    // before the agent signs in to the queues, and stays registered after.
    console.log(`register ${ext}@${sipDomain} over ${wsURL}, before signing in to the queues`)
    await page.getByLabel(en.softphone.password).fill(sipPassword)
    await page.getByRole('button', { name: en.softphone.register }).click()
    await page.getByText(en.softphone.registered, { exact: true }).waitFor({ timeout: 15000 })
    const reg = await esl(`sofia_contact ${ext}@${sipDomain}`)
    assert(/transport=wss?/i.test(reg), `FreeSWITCH has no ws contact for ${ext}: ${reg}`)
    console.log('ok   registered before sign-in (FreeSWITCH lists the ws contact)')
    await page.getByRole('button', { name: `${en.agent.signIn} · ${en.agent.signInAll}` }).click()
    await page.getByRole('button', { name: en.agent.signOut }).first().waitFor({ timeout: 15000 })
    await page.getByText(en.softphone.registered, { exact: true }).waitFor({ timeout: 15000 })
    const reg2 = await esl(`sofia_contact ${ext}@${sipDomain}`)
    assert(/transport=wss?/i.test(reg2), `after sign-in FreeSWITCH has no ws contact for ${ext}: ${reg2}`)
    console.log('ok   signed in to the queues; still registered')
    await page.screenshot({ path: join(out, 'softphone-registered.png') })

    // FreeSWITCH calls the extension; other work may hang up all calls, so retry.
    let answered = false
    for (let attempt = 1; attempt <= (process.env.IPCC_TEST_ATTEMPTS ?? 3) && !answered; attempt++) {
            const o = await esl(`bgapi originate {origination_caller_id_number=5550100,ignore_early_media=true}user/${ext} &echo`)
      console.log(`originate (attempt ${attempt}): ${o.trim()}`)
      try {
        const btn = page.locator('.ant-card', { hasText: en.softphone.title }).getByRole('button', { name: en.call.answer, exact: true })
        await btn.waitFor({ timeout: 15000 })
        console.log('ok   the browser rings')
        await btn.click()
        // The browser's leg as FreeSWITCH sees it (by its caller id, answered).
        uuid = await waitFor(
          async () => JSON.parse(await esl('show channels as json')).rows?.find((c) => c.presence_id === `${ext}@${sipDomain}` && c.callstate === 'ACTIVE')?.uuid,
          'FreeSWITCH to see the call answered',
          15000,
        )
        answered = true
      } catch (e) {
        console.log(`  attempt ${attempt}: ${e.message}`)
        console.log(`  FreeSWITCH: ${(await esl('show channels')).trim()} / state ${(await esl(`uuid_getvar ${uuid} channel_call_state`)).trim()}`)
        console.log(`  page: ${await page.locator('.ant-card', { hasText: en.softphone.title }).innerText()}`)
        await esl(`uuid_kill ${uuid}`).catch(() => undefined)
      }
    }
    assert(answered, 'the call was not answered in the browser')
    console.log('ok   answered in the browser; FreeSWITCH sees the call ACTIVE')
    const stats = await waitFor(
      async () => {
        const s = await page.evaluate(async () => {
          const res = []
          for (const pc of window.__pcs) {
            const st = await pc.getStats()
            st.forEach((x) => {
              if (x.type === 'inbound-rtp' || x.type === 'outbound-rtp') res.push({ type: x.type, kind: x.kind, bytesReceived: x.bytesReceived, bytesSent: x.bytesSent, packetsReceived: x.packetsReceived })
            })
            res.push({ type: 'pc', ice: pc.iceConnectionState, conn: pc.connectionState })
          }
          return res
        })
        const inb = s.find((x) => x.type === 'inbound-rtp' && x.kind === 'audio')
        const outb = s.find((x) => x.type === 'outbound-rtp' && x.kind === 'audio')
        return inb?.bytesReceived > 0 && outb?.bytesSent > 0 ? s : undefined
      },
      'RTP both ways (inbound bytesReceived > 0 and outbound bytesSent > 0)',
      15000,
    )
    console.log(`ok   media flows: ${JSON.stringify(stats)}`)
    const rd = await esl(`uuid_dump ${uuid}`)
    const codec = rd.match(/variable_rtp_use_codec_name: (\S+)/)?.[1]
    const srtp = rd.match(/variable_rtp_has_crypto: (\S+)/)?.[1] ?? rd.match(/variable_rtp_secure_media_confirmed_audio: (\S+)/)?.[1]
    console.log(`ok   FreeSWITCH leg: codec ${codec}, secure media ${srtp}`)
    await page.screenshot({ path: join(out, 'softphone-in-call.png') })
    await esl(`uuid_kill ${uuid}`)
    await page.getByText(en.softphone.registered, { exact: true }).waitFor({ timeout: 10000 })
    console.log('ok   hung up; the softphone is registered again')
    console.log('PASS softphone against FreeSWITCH')
  } catch (e) {
    console.log(`FAIL ${e?.stack ?? e}`)
    await page?.screenshot({ path: join(out, 'softphone-failure.png') }).catch(() => undefined)
    if (uuid) await esl(`uuid_kill ${uuid}`).catch(() => undefined)
    console.log(`--- ipcc log ---\n${serverLog.slice(-2000)}`)
    process.exitCode = 1
  } finally {
    await browser?.close()
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}
main()
