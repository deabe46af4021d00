// Browser journey of the prompts library page (admin console): an admin
// uploads a file that is not a WAV (the API's error shown), then a good WAV,
// creates a TTS prompt and previews it in both languages (an <audio> element
// fed by the audio endpoint with the session's token). Screenshots in both
// languages go to e2e/screenshots/prompts-*.png.
//
// On its own, it starts `ipcc serve --demo --demo-quiet` itself:
//   IPCC_BIN=../bin/ipcc node e2e/prompts.mjs
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStandalone } from './standalone.mjs'

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
async function switchLanguage(page, from, to) {
  const option = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: to === 'en' ? 'English' : '简体中文' })
  for (let i = 0; i < 5 && !(await option.count()); i++) {
    await page.getByRole('combobox', { name: L[from].app.language, exact: true }).click({ force: true })
    await page.waitForTimeout(400)
  }
  await option.first().click()
  await page.getByRole('link', { name: L[to].nav.admin }).first().waitFor()
}

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
