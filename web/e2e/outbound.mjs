// Browser journey of the outbound routing pages of the admin console: an
// admin creates a trunk, a route through it (the API's validation message
// shown at the field, then fixed) and dry-runs a number, seeing the route
// chosen; a supervisor sees the pages read-only. Screenshots in both
// languages go to e2e/screenshots/outbound-*.png.
//
// run.mjs runs it after the admin journeys. On its own, it starts
// `ipcc serve --demo --demo-quiet` itself:
//   IPCC_BIN=../bin/ipcc node e2e/outbound.mjs
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runStandalone } from './standalone.mjs'
import { switchLanguage } from './antd.mjs'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const E = L.en
const tenantH = { 'X-IPCC-Tenant': 'default' }
const adminUser = 'e2e-out-admin'
const pw = 'e2e-password-123'
const pages = [
  ['outbound-trunks', 'outTrunks', 'trunks'],
  ['outbound-routes', 'outRoutes', 'routes'],
  ['caller-id-pools', 'outPools', 'pools'],
  ['outbound-settings', 'outSettings', 'settings'],
]

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

async function pick(page, scope, label, optionText) {
  const select = formItem(scope, label).locator('.ant-select')
  // On a busy machine a click during the dropdown's opening animation can
  // be lost: check the select shows the choice, and try again.
  for (let i = 0; ; i++) {
    await select.click()
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: optionText }).first().click({ timeout: 10_000 }).catch(() => undefined)
    // A multiple select stays open: a click on the drawer's title closes it
    // (Escape would close the drawer when the dropdown is already closed).
    await page.locator('.ant-drawer-title').click()
    await page.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' }).catch(() => undefined)
    const shown = await select.locator('.ant-select-selection-item').filter({ hasText: optionText }).first().waitFor({ timeout: 5_000 }).then(() => true).catch(() => false)
    if (shown) return
    if (i >= 2) throw new Error(`the select ${label} does not show ${optionText}`)
  }
}

export async function outboundJourney(h) {
  const { browser, base, step, assert, api, token, shot, adminPassword, debugPages } = h
  const sa = await token(base, 'admin', adminPassword)
  await step('outbound: setup an admin of the tenant (through the API)', async () => {
    const r = await api(base, 'POST', '/api/v1/users', sa, { username: adminUser, password: pw, role: 'admin', display_name: 'E2E outbound admin' }, tenantH)
    assert(r.status === 201 || r.status === 409, `create ${adminUser}: ${r.status} ${JSON.stringify(r.body)}`)
  })
  const adminToken = await token(base, adminUser, pw)
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const page = await ctx.newPage()
  debugPages.push(page)
  const dlg = page.locator('.ant-drawer-content')

  await step('outbound: admin creates a trunk', async () => {
    await signIn(page, base, 'en', adminUser, pw)
    await page.goto(`${base}/admin/outbound-trunks`)
    const sec = page.getByRole('region', { name: E.admin.outbound.trunks.title })
    await sec.getByText(E.admin.live).waitFor()
    await sec.getByRole('button', { name: E.admin.new }).click()
    await formItem(dlg, E.admin.outbound.id).locator('input').fill('e2e-cmcc')
    await formItem(dlg, E.admin.outbound.name).locator('input').fill('China Mobile SIP')
    await formItem(dlg, E.admin.outbound.trunks.gateway).locator('input').fill('cmcc-sip')
    await formItem(dlg, E.admin.outbound.trunks.channels).locator('input').fill('60')
    await formItem(dlg, E.admin.outbound.trunks.cps).locator('input').fill('10')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await sec.getByRole('cell', { name: 'e2e-cmcc', exact: true }).waitFor()
    const tr = (await api(base, 'GET', '/api/v1/outbound/trunks/e2e-cmcc', adminToken)).body
    assert(tr.gateway === 'cmcc-sip' && tr.channels === 60 && tr.cps === 10 && !tr.disabled, `trunk: ${JSON.stringify(tr)}`)
  })

  await step('outbound: admin creates a caller-ID pool; a bad number is refused at its row, then fixed', async () => {
    await page.getByRole('navigation', { name: E.admin.menu }).getByRole('link', { name: E.admin.nav.outPools }).click()
    await page.waitForURL((u) => u.pathname === '/admin/caller-id-pools')
    const sec = page.getByRole('region', { name: E.admin.outbound.pools.title })
    await sec.getByRole('button', { name: E.admin.new }).click()
    await formItem(dlg, E.admin.outbound.id).locator('input').fill('e2e-local')
    const nums = dlg.getByRole('region', { name: E.admin.outbound.pools.numbers })
    await nums.getByLabel(`${E.admin.outbound.pools.number} 1`).fill('075588880001')
    await nums.getByRole('button', { name: E.admin.add }).click()
    await nums.getByLabel(`${E.admin.outbound.pools.number} 2`).fill('12ab')
    await nums.getByLabel(`${E.admin.outbound.pools.area} 2`).fill('0755')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    // The API's message for numbers[1].number, at the second row's number.
    const row2 = nums.locator('.ant-form-item').filter({ has: page.getByLabel(`${E.admin.outbound.pools.number} 2`) })
    await row2.locator('.ant-form-item-explain-error').getByText('numbers[1].number').waitFor()
    assert((await nums.locator('.ant-form-item-explain-error').count()) === 1, 'the error is shown at one row only')
    await nums.getByLabel(`${E.admin.outbound.pools.number} 2`).fill('13900000004')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await sec.getByRole('cell', { name: 'e2e-local', exact: true }).waitFor()
    const p = (await api(base, 'GET', '/api/v1/outbound/caller-id-pools/e2e-local', adminToken)).body
    assert(p.numbers?.length === 2 && p.numbers[1].number === '13900000004' && p.numbers[1].area === '0755' && p.local_presence !== false, `pool: ${JSON.stringify(p)}`)
  })

  await step('outbound: admin creates a route; the API refuses a bad prefix at the field, then it is saved', async () => {
    await page.getByRole('navigation', { name: E.admin.menu }).getByRole('link', { name: E.admin.nav.outRoutes }).click()
    await page.waitForURL((u) => u.pathname === '/admin/outbound-routes')
    const sec = page.getByRole('region', { name: E.admin.outbound.routes.title })
    await sec.getByRole('button', { name: E.admin.new }).click()
    await formItem(dlg, E.admin.outbound.id).locator('input').fill('e2e-mobiles')
    await formItem(dlg, E.admin.outbound.routes.priority).locator('input').fill('1')
    await pick(page, dlg, E.admin.outbound.routes.types, E.admin.outbound.types.mobile)
    const prefixes = formItem(dlg, E.admin.outbound.routes.prefixes)
    await prefixes.locator('input').fill('13x')
    await prefixes.locator('input').press('Enter')
    await formItem(dlg, E.admin.outbound.routes.prepend).locator('input').fill('9')
    await pick(page, dlg, E.admin.outbound.routes.trunkOrder, 'e2e-cmcc')
    await pick(page, dlg, E.admin.outbound.routes.pool, 'e2e-local')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    // The API's message, at the prefixes field.
    await prefixes.locator('.ant-form-item-explain-error').getByText('is not a digit prefix').waitFor()
    await shot(page, 'outbound-route-error.en')
    await prefixes.locator('.ant-select-selection-item-remove').first().click()
    await prefixes.locator('input').fill('138')
    await prefixes.locator('input').press('Enter')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await sec.getByRole('cell', { name: 'e2e-mobiles', exact: true }).waitFor()
    const r = (await api(base, 'GET', '/api/v1/outbound/routes/e2e-mobiles', adminToken)).body
    assert(r.priority === 1 && r.match?.types?.[0] === 'mobile' && r.match?.prefixes?.join() === '138' && r.trunks?.join() === 'e2e-cmcc' && r.rewrite?.prepend === '9' && r.caller_id_pool === 'e2e-local', `route: ${JSON.stringify(r)}`)
  })

  await step('outbound: the dry run shows the route chosen, the trunk and the number dialled', async () => {
    const dry = page.getByRole('region', { name: E.admin.outbound.decide.title })
    await formItem(dry, E.admin.outbound.decide.number).locator('input').fill('138 1234 5678')
    await dry.getByRole('button', { name: E.admin.outbound.decide.run }).click()
    const card = dry.getByTestId('outbound-decision')
    await card.getByText(`${E.admin.outbound.decide.route}: e2e-mobiles`).waitFor()
    await card.getByText('913812345678', { exact: true }).waitFor()
    await card.getByText('e2e-cmcc', { exact: true }).waitFor()
    // The caller ID is a number of the route's pool.
    const want = (await api(base, 'POST', '/api/v1/outbound/decide', adminToken, { number: '13812345678', source: 'click_to_dial' })).body
    assert(want.route?.id === 'e2e-mobiles' && ['075588880001', '13900000004'].includes(want.caller_id), `decision: ${JSON.stringify(want)}`)
    await card.locator('.ant-descriptions-item-content').filter({ hasText: /^(075588880001|13900000004)$/ }).waitFor()
    await shot(page, 'outbound-dry-run.en')
    // A number the guard refuses names its rule.
    await formItem(dry, E.admin.outbound.decide.number).locator('input').fill('+88216012345')
    await dry.getByRole('button', { name: E.admin.outbound.decide.run }).click()
    await card.getByText('(blocked_prefix)').first().waitFor()
  })

  await step('outbound: every outbound page in both languages (screenshots)', async () => {
    for (const lang of ['en', 'zh-CN']) {
      const t = L[lang]
      if (lang === 'zh-CN') await switchLanguage(page, 'en', 'zh-CN')
      for (const [path, key, sub] of pages) {
        await page.goto(`${base}/admin/${path}`)
        await page.getByRole('heading', { name: t.admin.outbound[sub].title }).first().waitFor()
        await page.getByRole('navigation', { name: t.admin.menu }).getByRole('link', { name: t.admin.nav[key] }).waitFor()
        await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined)
        if (path === 'outbound-routes') {
          const dry = page.getByRole('region', { name: t.admin.outbound.decide.title })
          await formItem(dry, t.admin.outbound.decide.number).locator('input').fill('13812345678')
          await dry.getByRole('button', { name: t.admin.outbound.decide.run }).click()
          await dry.getByTestId('outbound-decision').getByText('913812345678', { exact: true }).waitFor()
        }
        await shot(page, `outbound-${path}.${lang}`)
      }
    }
    await page.goto(`${base}/admin/outbound-routes`)
    await page.getByRole('button', { name: `${L['zh-CN'].admin.edit} e2e-mobiles` }).click()
    await formItem(dlg, L['zh-CN'].admin.outbound.routes.trunkOrder).getByText('e2e-cmcc').waitFor()
    await shot(page, 'outbound-route-edit.zh-CN')
  })

  await step('outbound: a supervisor sees the pages read-only', async () => {
    const sctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const sp = await sctx.newPage()
    debugPages.push(sp)
    await signIn(sp, base, 'en', 'supervisor', 'ipcc-demo')
    await sp.goto(`${base}/admin/outbound-routes`)
    const sec = sp.getByRole('region', { name: E.admin.outbound.routes.title })
    await sec.getByText(E.admin.readOnly).waitFor()
    await sec.getByRole('cell', { name: 'e2e-mobiles', exact: true }).waitFor()
    assert((await sec.getByRole('button', { name: E.admin.new }).count()) === 0, 'the supervisor has a New button')
    await sp.goto(`${base}/admin/outbound-settings`)
    await sp.getByRole('region', { name: E.admin.outbound.settings.title }).getByText(E.admin.readOnly).waitFor()
    assert((await sp.getByRole('button', { name: E.admin.save }).count()) === 0, 'the supervisor has a Save button')
    await sctx.close()
  })
  await ctx.close()
}

// Standalone: start the demo, run the journey, stop it.
if (process.argv[1] && process.argv[1].endsWith('outbound.mjs')) await runStandalone('outbound', outboundJourney)
