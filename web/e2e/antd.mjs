// Helpers for Ant Design selects in the browser journeys. On a busy machine
// (CI runs the Go tests' leftovers and a browser on two cores) a click
// during a dropdown's opening or closing animation is lost, or lands on a
// closing dropdown's option. Each helper therefore acts, then checks that
// the page shows the result, and tries again a few times before failing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}

const openOptions = (page) => page.locator('.ant-select-dropdown:visible .ant-select-item-option')

// selectOption picks optionText in the select `select` (a locator of the
// `.ant-select` element) and waits until the select shows it. what names the
// select in the error.
export async function selectOption(page, select, optionText, what = optionText) {
  const option = openOptions(page).filter({ hasText: optionText }).first()
  const chosen = select.locator('.ant-select-selection-item').filter({ hasText: optionText }).first()
  for (let i = 0; ; i++) {
    // Already shown (a click of the try before took, only slower than its
    // wait): done. Clicking again would take the option out of a multiple
    // select.
    if (await chosen.count()) return
    // Another select's dropdown may still be closing: wait it out, so the
    // option is looked for in this one. (No Escape: it would close a dialog.)
    if ((await page.locator('.ant-select-dropdown:visible').count()) && !(await option.count())) {
      await page.locator('.ant-select-dropdown:visible').first().waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined)
    }
    // No force: a select in a drawer or dialog that is still sliding in is
    // outside the viewport until it stops (the click waits for that).
    if (!(await option.count())) await select.click({ timeout: 5_000 }).catch(() => undefined)
    const clicked = await option.click({ timeout: 5_000 }).then(() => true).catch(() => false)
    const shown = clicked && await chosen.waitFor({ timeout: 3_000 }).then(() => true).catch(() => false)
    if (shown) return
    if (i >= 3) throw new Error(`the select ${what} does not show ${optionText}`)
  }
}

// selectByName is selectOption for a select found by its combobox's
// accessible name inside scope.
export async function selectByName(page, scope, name, optionText) {
  const select = scope.locator('.ant-select').filter({ has: page.getByRole('combobox', { name, exact: true }) }).first()
  await selectOption(page, select, optionText, name)
}

// switchLanguage picks the other language in the header's language select
// and waits until the header is in that language (landmark: a navigation
// link's key under nav, shown in every console).
export async function switchLanguage(page, from, to, landmark = 'admin') {
  const option = openOptions(page).filter({ hasText: to === 'en' ? 'English' : '简体中文' }).first()
  const done = page.getByRole('combobox', { name: L[to].app.language, exact: true })
  for (let i = 0; ; i++) {
    if (!(await option.count())) {
      await page.getByRole('combobox', { name: L[from].app.language, exact: true }).click({ force: true }).catch(() => undefined)
      await page.waitForTimeout(300)
    }
    await option.click({ timeout: 3_000 }).catch(() => undefined)
    if (await done.waitFor({ timeout: 3_000 }).then(() => true).catch(() => false)) break
    if (i >= 4) throw new Error(`the language did not switch from ${from} to ${to}`)
  }
  await page.getByRole('link', { name: L[to].nav[landmark] }).first().waitFor()
  // Its dropdown must be gone before the page's own selects are used.
  await page.locator('.ant-select-dropdown:visible').first().waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined)
}

// setChecked ticks or clears a checkbox and checks it took: a click that
// lands while the form re-renders (a select closing, an error clearing) can
// be lost, as Playwright's own setChecked then reports.
export async function setChecked(page, box, want) {
  for (let i = 0; ; i++) {
    if ((await box.isChecked()) === want) return
    await box.click({ timeout: 5_000 }).catch(() => undefined)
    await page.waitForTimeout(250)
    if (i >= 4 && (await box.isChecked()) !== want) throw new Error(`the checkbox did not become ${want ? 'ticked' : 'clear'}`)
  }
}
