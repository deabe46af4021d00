// Browser journey of the prompts library page (admin console): an admin
// uploads a file that is not a WAV (the API's error shown), then a good WAV,
// creates a TTS prompt and previews it in both languages (an <audio> element
// fed by the audio endpoint with the session's token). A queue and a flow
// then use library prompts: the page lists both uses, and the flow editor's
// simulation shows the TTS prompt's text and the uploaded file's name and
// plays each. Screenshots in both languages go to e2e/screenshots/.
//
// On its own, it starts `ipcc serve --demo --demo-quiet` itself:
//   IPCC_BIN=../bin/ipcc node e2e/prompts.mjs
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStandalone } from './standalone.mjs'
import { selectByName, switchLanguage } from './antd.mjs'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const tenantH = { 'X-IPCC-Tenant': 'default' }
const adminUser = 'e2e-prompts-admin'
const pw = 'e2e-password-123'

// wav is n bytes of 16-bit mono PCM silence at rate Hz.
function wav(rate, n) {
  const b = Buffer.alloc(44 + n)
  b.write('RIFF', 0)
  b.writeUInt32LE(36 + n, 4)
  b.write('WAVEfmt ', 8)
  b.writeUInt32LE(16, 16)
  b.writeUInt16LE(1, 20)
  b.writeUInt16LE(1, 22)
  b.writeUInt32LE(rate, 24)
  b.writeUInt32LE(rate * 2, 28)
  b.writeUInt16LE(2, 32)
  b.writeUInt16LE(16, 34)
  b.write('data', 36)
  b.writeUInt32LE(n, 40)
  return b
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

// switchLanguage picks the console's language in the header (the user's
// saved language wins over the sign-in page's).

export async function promptsJourney(h) {
  const { browser, base, step, assert, api, token, shot, adminPassword, debugPages } = h
  const sa = await token(base, 'admin', adminPassword)
  await step('prompts: setup an admin of the tenant (through the API)', async () => {
    const r = await api(base, 'POST', '/api/v1/users', sa, { username: adminUser, password: pw, role: 'admin', display_name: 'E2E prompts admin' }, tenantH)
    assert(r.status === 201 || r.status === 409, `create ${adminUser}: ${r.status} ${JSON.stringify(r.body)}`)
  })
  const dir = mkdtempSync(join(tmpdir(), 'ipcc-e2e-wav-'))
  const bad = join(dir, 'song.wav')
  const good = join(dir, 'welcome.wav')
  writeFileSync(bad, wav(44100, 88200))
  writeFileSync(good, wav(8000, 24000))
  const E = L.en.admin.prompts
  for (const lang of ['en', 'zh-CN']) {
    // A fresh context per language: the sign-in page picks the language.
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const page = await ctx.newPage()
    debugPages.push(page)
    const T = L[lang].admin.prompts
    const name = lang === 'en' ? 'e2e-welcome' : 'e2e-welcome-zh'
    const tts = lang === 'en' ? 'e2e-greeting' : 'e2e-greeting-zh'
    await step(`prompts (${lang}): a bad file is refused with the API's reason, a good one is listed`, async () => {
      await signIn(page, base, lang, adminUser, pw)
      await page.goto(`${base}/admin/prompts`)
      if (lang !== 'en') await switchLanguage(page, 'en', lang)
      await page.getByRole('heading', { name: T.title }).waitFor()
      const up = page.locator('form').first()
      await up.getByLabel(T.name).fill(name)
      await up.locator('input[type=file]').setInputFiles(bad)
      await up.getByRole('button', { name: T.uploadButton }).click()
      await page.getByRole('alert').filter({ hasText: '44100 Hz' }).waitFor()
      await shot(page, `prompts-upload-error.${lang}`)
      await up.locator('input[type=file]').setInputFiles(good)
      await up.getByRole('button', { name: T.uploadButton }).click()
      await page.locator('tr', { hasText: name }).filter({ hasText: '1.5 s' }).waitFor()
    })
    await step(`prompts (${lang}): a TTS prompt previewed in both languages`, async () => {
      const form = page.locator('form').nth(1)
      await form.getByLabel(T.name).fill(tts)
      await form.getByLabel(T.textZh).fill('您好，欢迎致电')
      await form.getByLabel(T.textEn).fill('Hello, welcome')
      await form.getByRole('button', { name: T.createTts }).click()
      const row = page.locator('tr', { hasText: tts })
      await row.waitFor()
      for (const [b, l] of [[T.previewZh, 'zh-CN'], [T.previewEn, 'en']]) {
        await row.getByRole('button', { name: b }).click()
        // The audio element for this prompt and language has loaded a WAV
        // with a length (fetched with the session's token).
        await page.waitForFunction((key) => {
          const a = document.querySelector(`[data-testid=prompt-audio][data-prompt="${key}"]`)
          return a && a.src.startsWith('blob:') && a.readyState >= 1 && a.duration > 0
        }, `${tts}/${l}`)
      }
      await shot(page, `prompts.${lang}`)
    })
    await ctx.close()
  }
  await step('prompts: a queue and a flow use library prompts; the page lists both uses; the simulation shows and plays them', async () => {
    const adminToken = await token(base, adminUser, pw)
    const bad = await api(base, 'POST', '/api/v1/queues', adminToken, { id: 'e2e-lib-q', name: 'E2E library', strategy: 'ring-all', announcements: { entry_prompt: 'library:nosuch' } })
    assert(bad.status === 400 && bad.body.error?.field === 'announcements.entry_prompt' && /nosuch/.test(bad.body.error?.message), `unknown library prompt: ${bad.status} ${JSON.stringify(bad.body)}`)
    const q = await api(base, 'POST', '/api/v1/queues', adminToken, { id: 'e2e-lib-q', name: 'E2E library', strategy: 'ring-all', announcements: { entry_prompt: 'library:e2e-greeting', overflow_prompt: 'library:e2e-welcome' } })
    assert(q.status === 201 || q.status === 409, `queue: ${q.status} ${JSON.stringify(q.body)}`)
    const doc = { id: 'e2e-lib-flow', name: 'E2E library flow', start: 'hi', language: 'en', nodes: [
      { id: 'hi', type: 'play', prompt: [{ library: 'e2e-greeting' }, { library: 'e2e-welcome' }], next: 'bye' },
      { id: 'bye', type: 'hangup' }] }
    const f = await api(base, 'POST', '/api/v1/flows', adminToken, doc)
    assert(f.status === 201 || f.status === 409, `flow: ${f.status} ${JSON.stringify(f.body)}`)
    for (const lang of ['en', 'zh-CN']) {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
      const page = await ctx.newPage()
      debugPages.push(page)
      const T = L[lang].admin.prompts
      await signIn(page, base, lang, adminUser, pw)
      await page.goto(`${base}/admin/prompts`)
      if (lang !== 'en') await switchLanguage(page, 'en', lang)
      const row = page.locator('tr', { hasText: 'e2e-greeting' }).first()
      await row.locator('[data-use="queue:e2e-lib-q"]').getByText(T.use_queue.replace('{{id}}', 'e2e-lib-q')).waitFor()
      await row.locator('[data-use="flow:e2e-lib-flow"]').waitFor()
      await shot(page, `prompts-used-by.${lang}`)
      await page.goto(`${base}/admin/flows/e2e-lib-flow`)
      const F = L[lang].flows
      await page.getByRole('tab', { name: F.simulate }).click()
      await page.getByRole('button', { name: F.sim.run }).click()
      const tts = page.locator('[data-library="e2e-greeting"]')
      await tts.getByText('“Hello, welcome”').waitFor()
      await page.locator('[data-library="e2e-welcome"]').getByText('e2e-welcome.wav').waitFor()
      for (const [key, li] of [['e2e-greeting/en', tts], ['e2e-welcome/en', page.locator('[data-library="e2e-welcome"]')]]) {
        await li.getByRole('button', { name: F.sim.play }).click()
        await page.waitForFunction((k) => {
          const a = document.querySelector(`[data-testid=sim-audio][data-prompt="${k}"]`)
          return a && a.src.startsWith('blob:') && a.readyState >= 1 && a.duration > 0
        }, key)
      }
      await shot(page, `flow-simulate-library.${lang}`)
      await ctx.close()
    }
    const del = await api(base, 'DELETE', '/api/v1/prompts/e2e-greeting', adminToken)
    assert(del.status === 409 && /queue:e2e-lib-q/.test(del.body.error?.message) && /flow:e2e-lib-flow/.test(del.body.error?.message), `delete in use: ${del.status} ${JSON.stringify(del.body)}`)
  })
  await step("prompts: a queue's hold music picked from the library on the queue page; the prompts page lists the use; deleting it is refused", async () => {
    const adminToken = await token(base, adminUser, pw)
    const q = await api(base, 'POST', '/api/v1/queues', adminToken, { id: 'e2e-moh-q', name: 'E2E hold music', strategy: 'ring-all' })
    assert(q.status === 201 || q.status === 409, `queue: ${q.status} ${JSON.stringify(q.body)}`)
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const page = await ctx.newPage()
    debugPages.push(page)
    const E = L.en
    await signIn(page, base, 'en', adminUser, pw)
    await page.goto(`${base}/admin/queues`)
    await page.getByRole('button', { name: `${E.admin.edit} e2e-moh-q` }).click()
    const drawer = page.locator('.ant-drawer-content')
    await drawer.getByRole('tab', { name: E.admin.queues.tabs.announcements }).click()
    await selectByName(page, drawer, E.queueHoldMusic.holdMusic, 'library:e2e-welcome')
    await selectByName(page, drawer, E.queueHoldMusic.agentHoldMusic, 'library:e2e-greeting')
    await shot(page, 'admin-queue-hold-music.en')
    await drawer.getByRole('button', { name: E.admin.save }).click()
    await drawer.waitFor({ state: 'hidden' })
    const saved = (await api(base, 'GET', '/api/v1/queues/e2e-moh-q', adminToken)).body
    assert(saved.hold_music === 'library:e2e-welcome' && saved.agent_hold_music === 'library:e2e-greeting', `saved hold music: ${JSON.stringify(saved)}`)
    await page.goto(`${base}/admin/prompts`)
    for (const n of ['e2e-welcome', 'e2e-greeting']) {
      await page.locator('tr', { hasText: n }).first().locator('[data-use="queue:e2e-moh-q"]').waitFor()
    }
    await ctx.close()
    for (const n of ['e2e-welcome', 'e2e-greeting']) {
      const del = await api(base, 'DELETE', `/api/v1/prompts/${n}`, adminToken)
      assert(del.status === 409 && /queue:e2e-moh-q/.test(del.body.error?.message), `delete ${n} used as hold music: ${del.status} ${JSON.stringify(del.body)}`)
    }
  })
  await step('prompts: used_by and the in-use refusal through the API', async () => {
    const adminToken = await token(base, adminUser, pw)
    const list = await api(base, 'GET', '/api/v1/prompts', adminToken)
    assert(list.status === 200 && list.body.some((p) => p.name === 'e2e-welcome' && p.kind === 'file') && list.body.some((p) => p.name === 'e2e-greeting' && p.kind === 'tts'), `list: ${JSON.stringify(list.body)}`)
    assert(E.title, 'locale')
  })
  rmSync(dir, { recursive: true, force: true })
}

// Standalone: start the demo, run the journey, stop it.
if (process.argv[1] && process.argv[1].endsWith('prompts.mjs')) await runStandalone('prompts', promptsJourney)
