// runStandalone runs one journey module on its own (node e2e/<name>.mjs): it
// starts `ipcc serve --demo --demo-quiet` on free ports, runs the journey in
// Debian's chromium and stops the server. run.mjs runs the same journeys
// inside its own session.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const here = new URL('.', import.meta.url).pathname

export async function runStandalone(name, journey) {
  const { chromium } = await import('playwright-core')
  const bin = resolve(process.env.IPCC_BIN ?? join(here, '../../bin/ipcc'))
  const browserPath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
  const adminPassword = 'e2e-admin-password'
  const shots = join(here, 'screenshots')
  mkdirSync(shots, { recursive: true })
  mkdirSync(join(here, 'out'), { recursive: true })
  const freePort = () =>
    new Promise((res, rej) => {
      const s = createServer()
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address()
        s.close(() => res(port))
      })
      s.on('error', rej)
    })
  const api = async (b, method, path, tok, body, headers = {}) => {
    const res = await fetch(b + path, { method, headers: { 'Content-Type': 'application/json', ...(tok ? { Authorization: `Bearer ${tok}` } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  const token = async (b, username, p = 'ipcc-demo') => {
    const r = await api(b, 'POST', '/api/v1/auth/login', null, username === 'admin' ? { username, password: p } : { tenant: 'default', username, password: p })
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`)
    return r.body.token
  }
  const [port, ctlPort] = [await freePort(), await freePort()]
  const base = `http://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), `ipcc-e2e-${name}-`))
  const server = spawn(bin, ['serve', '--demo', '--demo-quiet', '--demo-control', `127.0.0.1:${ctlPort}`, '--log-format', 'text', '--log-level', 'warn'], {
    cwd: dir,
    env: { ...process.env, IPCC_HTTP_ADDR: `127.0.0.1:${port}`, IPCC_ADMIN_PASSWORD: adminPassword },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let serverLog = ''
  server.stderr.on('data', (d) => (serverLog += d))
  let failed = 0
  let browser
  const debugPages = []
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)
      if (ok && (await api(base, 'POST', '/api/v1/auth/login', null, { tenant: 'default', username: 'supervisor', password: 'ipcc-demo' }).catch(() => ({}))).status === 200) break
      if (i > 120) throw new Error('ipcc did not start')
      await new Promise((r) => setTimeout(r, 250))
    }
    browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] })
    await journey({
      browser,
      base,
      ctl: `http://127.0.0.1:${ctlPort}/sim/v1`,
      adminPassword,
      debugPages,
      api,
      token,
      assert: (c, m) => {
        if (!c) throw new Error(m)
      },
      shot: async (p, name) => {
        await p.waitForTimeout(300)
        await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
      },
      step: async (name, fn) => {
        const t0 = Date.now()
        try {
          await fn()
          console.log(`  ok   ${name} (${Date.now() - t0} ms)`)
        } catch (e) {
          failed++
          for (const [i, p] of debugPages.entries()) await p.screenshot({ path: join(here, 'out', `failure-${name}-${i}.png`), fullPage: true }).catch(() => undefined)
          console.log(`  FAIL ${name}: ${e?.stack ?? e}`)
          throw e
        }
      },
    })
  } catch (e) {
    failed++
    console.log(String(e?.stack ?? e))
  } finally {
    await browser?.close()
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    if (failed) console.log(`--- ipcc log (last 3000 chars) ---\n${serverLog.slice(-3000)}`)
    rmSync(dir, { recursive: true, force: true })
  }
  process.exit(failed ? 1 : 0)
}
