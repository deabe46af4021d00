// superadminPage opens a browser context of its own and signs the platform's
// superadmin in (no tenant), in English or lang; it returns the context and
// the page on /admin/tenants.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const here = new URL('.', import.meta.url).pathname
const L = Object.fromEntries(['en', 'zh-CN'].map((l) => [l, JSON.parse(readFileSync(join(here, `../src/locales/${l}.json`), 'utf8'))]))

export async function superadminPage(browser, base, password, { width = 1440, height = 900, lang = 'en' } = {}) {
  const E = L[lang]
  const ctx = await browser.newContext({ viewport: { width, height } })
  const page = await ctx.newPage()
  await page.goto(`${base}/login?lang=${lang}`)
  await page.getByLabel(E.login.tenant).fill('')
  await page.getByLabel(E.login.username).fill('admin')
  await page.getByLabel(E.login.password).fill(password)
  await page.getByRole('button', { name: E.login.submit }).click()
  await page.waitForURL((u) => u.pathname === '/admin/tenants')
  return { ctx, page }
}
