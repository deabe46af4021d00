// Browser journey of the webhooks page (admin console): an admin's endpoint
// subscribed to call.* with a queued ping whose delivery fails (the CRM's
// name does not resolve), the delivery log with its status filter, latency
// columns and summary, and a secret rotation showing the new secret once.
// Then the screen-pop page: the admin's template with an unknown variable
// is refused at its field, a corrected one is saved (the caller lookup's
// limits too), and — with the demo's call simulator (standalone runs) — the
// agent desktop's "Open in CRM" link of a demo call carries the filled URL.
// Screenshots in both languages go to e2e/screenshots/webhooks-*.png and
// screenpops-*.png.
//
// On its own, it starts `ipcc serve --demo --demo-quiet` itself:
//   IPCC_BIN=../bin/ipcc node e2e/webhooks.mjs
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runStandalone } from './standalone.mjs'
import { switchLanguage } from './antd.mjs'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const tenantH = { 'X-IPCC-Tenant': 'default' }
const adminUser = 'e2e-hooks-admin'
const pw = 'e2e-password-123'

async function signIn(page, base, lang, username, password) {
  const t = L[lang]
  await page.goto(`${base}/login?lang=${lang}`)
  await page.getByLabel(t.login.tenant).fill('default')
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill(password)
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

export async function webhooksJourney(h) {
  const { browser, base, step, assert, api, token, shot, adminPassword, debugPages } = h
  await hooksPages(h)
  await screenPopJourney(h)
}

async function hooksPages(h) {
  const { browser, base, step, assert, api, token, shot, adminPassword, debugPages } = h
  const sa = await token(base, 'admin', adminPassword)
  let hook
  await step('webhooks: an admin, an endpoint for call.* and a ping (through the API)', async () => {
    const r = await api(base, 'POST', '/api/v1/users', sa, { username: adminUser, password: pw, role: 'admin', display_name: 'E2E hooks admin' }, tenantH)
    assert(r.status === 201 || r.status === 409, `create ${adminUser}: ${r.status} ${JSON.stringify(r.body)}`)
    const tok = await token(base, adminUser, pw)
    const c = await api(base, 'POST', '/api/v1/webhooks', tok, { url: 'https://crm.invalid/ipcc', events: ['call.*', 'agent.state_changed'], description: 'E2E CRM' })
    assert(c.status === 201 && c.body.secret.startsWith('whsec_'), `create webhook: ${c.status} ${JSON.stringify(c.body)}`)
    hook = c.body
    const p = await api(base, 'POST', `/api/v1/webhooks/${hook.id}/test`, tok)
    assert(p.status === 202, `ping: ${p.status}`)
  })
  for (const lang of ['en', 'zh-CN']) {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const page = await ctx.newPage()
    debugPages.push(page)
    const T = L[lang]
    await step(`webhooks (${lang}): the delivery log shows the failed ping with its status filter and summary`, async () => {
      await signIn(page, base, lang, adminUser, pw)
      await page.goto(`${base}/admin/webhooks`)
      if (lang !== 'en') await switchLanguage(page, 'en', lang)
      const row = page.locator('tr', { hasText: 'crm.invalid' })
      await row.waitFor()
      await row.getByRole('button', { name: T.admin.webhooks.deliveries }).click()
      const drawer = page.locator('.ant-drawer-content')
      await drawer.getByText('ping').first().waitFor()
      await drawer.getByLabel(T.hooks.summary).waitFor()
      await drawer.locator('td').filter({ hasText: 'no response' }).first().waitFor({ timeout: 30000 })
      await shot(page, `webhooks-deliveries.${lang}`)
      await page.keyboard.press('Escape')
    })
    await step(`webhooks (${lang}): rotating the secret shows the new one once`, async () => {
      const row = page.locator('tr', { hasText: 'crm.invalid' })
      await row.getByRole('button', { name: T.hooks.rotate }).click()
      const dialog = page.getByRole('dialog').filter({ hasText: T.hooks.rotateIntro })
      await dialog.getByLabel(T.hooks.overlap).fill('12')
      await dialog.getByRole('button', { name: T.hooks.rotate }).click()
      await page.getByText('whsec_').first().waitFor()
      await shot(page, `webhooks-rotated.${lang}`)
    })
    await ctx.close()
  }
  await step('webhooks: the rotation keeps the previous secret for the overlap', async () => {
    const tok = await token(base, adminUser, pw)
    const g = await api(base, 'GET', `/api/v1/webhooks/${hook.id}`, tok)
    assert(g.status === 200 && g.body.previous_secret_until, `after rotation: ${JSON.stringify(g.body)}`)
  })
}

const popTemplate = 'https://crm.example.com/contacts?tel={caller}&call={call_id}&agent={agent}&q={queue}'

// screenPopJourney: the admin sets the tenant's template on the screen-pop
// page (the API's refusals shown at the field), then an agent's demo call
// offers an "Open in CRM" link with the template filled from the call.
async function screenPopJourney(h) {
  const { browser, base, ctl, step, assert, api, token, shot, debugPages } = h
  for (const lang of ['en', 'zh-CN']) {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const page = await ctx.newPage()
    debugPages.push(page)
    const T = L[lang]
    const P = T.popAdmin
    await step(`screen pops (${lang}): an unknown variable and a too long lookup timeout are refused at their fields, then the template is saved`, async () => {
      await signIn(page, base, lang, adminUser, pw)
      await page.goto(`${base}/admin/screen-pops`)
      if (lang !== 'en') await switchLanguage(page, 'en', lang)
      await page.getByRole('heading', { name: T.admin.nav.screenPops }).first().waitFor()
      const existing = page.locator('tr', { hasText: 'crm.example.com' })
      if (await existing.count()) await existing.first().getByRole('button', { name: T.admin.edit }).click()
      else await page.getByRole('button', { name: T.admin.new }).click()
      const drawer = page.locator('.ant-drawer-content')
      await drawer.getByLabel(P.urlTemplate).fill('https://crm.example.com/contacts?tel={caller}&x={nope}')
      await drawer.getByLabel(P.timeout).fill('9000')
      await drawer.getByRole('button', { name: T.admin.save }).click()
      const urlItem = drawer.locator('.ant-form-item').filter({ has: page.getByLabel(P.urlTemplate) })
      await urlItem.locator('.ant-form-item-explain-error').filter({ hasText: 'nope' }).waitFor()
      await shot(page, `screenpops-refused.${lang}`)
      await drawer.getByLabel(P.urlTemplate).fill(popTemplate)
      await drawer.getByRole('button', { name: T.admin.save }).click()
      const timeoutItem = drawer.locator('.ant-form-item').filter({ has: page.getByLabel(P.timeout) })
      await timeoutItem.locator('.ant-form-item-explain-error').filter({ hasText: '5000' }).waitFor()
      // Ant Design lets an error fade out: wait for that, then it must be gone.
      await urlItem.locator('.ant-form-item-explain-error').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined)
      assert((await urlItem.locator('.ant-form-item-explain-error').count()) === 0, 'the corrected template still shows its refusal')
      await drawer.getByLabel(P.timeout).fill('800')
      await drawer.getByLabel(P.lookupUrl).fill('https://crm.example.com/ipcc/lookup?tel={caller}')
      await drawer.getByText(P.modes.link).click()
      await shot(page, `screenpops-form.${lang}`)
      await drawer.getByRole('button', { name: T.admin.save }).click()
      await page.getByText(T.admin.saved).first().waitFor()
      await page.locator('tr', { hasText: 'crm.example.com/contacts' }).waitFor()
      await shot(page, `screenpops-list.${lang}`)
    })
    await ctx.close()
  }
  const tok = await token(base, adminUser, pw)
  await step('screen pops: the tenant template is stored (tab mode, lookup limits)', async () => {
    const r = await api(base, 'GET', '/api/v1/screen-pops', tok)
    const row = r.status === 200 && r.body.find((p) => !p.queue_id)
    assert(row && row.url_template === popTemplate && row.mode === 'link' && row.lookup_timeout_ms === 800 && row.lookup_url.includes('/ipcc/lookup'), `screen pops ${JSON.stringify(r.body)}`)
  })
  if (ctl) {
    const users = await api(base, 'GET', '/api/v1/users', tok)
    const agentId = users.status === 200 && users.body.find((u) => u.username === '1005')?.id
    assert(agentId, `no user 1005: ${users.status}`)
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1100 } })
    const agent = await ctx.newPage()
    debugPages.push(agent)
    for (const lang of ['en', 'zh-CN']) {
      await step(`screen pops (${lang}): a demo call's Open in CRM link carries the filled template`, async () => {
        const T = L[lang]
        if (lang === 'en') {
          await signIn(agent, base, 'en', '1005', 'ipcc-demo')
          await agent.getByRole('link', { name: T.nav.agent, exact: true }).first().waitFor()
          const signInAll = agent.getByRole('button', { name: `${T.agent.signIn} · ${T.agent.signInAll}` })
          if (await signInAll.count()) await signInAll.click()
        } else {
          await switchLanguage(agent, 'en', lang, 'agent')
        }
        await agent.getByRole('status', { name: T.agent.currentState }).getByText(T.state.available, { exact: true }).waitFor({ timeout: 30_000 })
        const caller = lang === 'en' ? '13900000771' : '13900000772'
        const r = await fetch(`${ctl}/calls`, {
          method: 'POST',
          body: JSON.stringify({ front: 'freeswitch', from: caller, to: '4001', press: [{ after_ms: 4000, digits: '1' }, { after_ms: 8000, digits: '12345678' }, { after_ms: 14000, digits: '900501' }], hangup_after_ms: 25_000 }),
        })
        assert(r.ok, `sim call: ${r.status}`)
        const pop = agent.getByTestId('screen-pop')
        await pop.getByText(caller).first().waitFor({ timeout: 45_000 })
        const link = pop.getByRole('link', { name: T.screenpop.openCrm })
        await link.waitFor()
        const href = await link.getAttribute('href')
        const u = new URL(href)
        assert(u.origin + u.pathname === 'https://crm.example.com/contacts' && u.searchParams.get('tel') === caller && u.searchParams.get('agent') === agentId && (u.searchParams.get('call') ?? '').length > 8 && u.searchParams.get('q'),
          `Open in CRM link ${href}`)
        await shot(agent, `screenpops-agent.${lang}`)
        // The caller hangs up; the agent is available again for the next.
        await agent.getByRole('status', { name: T.agent.currentState }).getByText(T.state.available, { exact: true }).waitFor({ timeout: 90_000 })
      })
    }
    await ctx.close()
  }
  // The journey leaves no tenant-wide pop behind (later journeys use the
  // desktop template).
  await step('screen pops: the tenant template is cleared', async () => {
    const r = await api(base, 'PUT', '/api/v1/screen-pops/tenant', tok, { url_template: '', mode: 'link', lookup_url: '', lookup_timeout_ms: 0, lookup_cache_ms: 0 })
    assert(r.status === 200, `clear: ${r.status}`)
  })
}

if (process.argv[1] && process.argv[1].endsWith('webhooks.mjs')) await runStandalone('webhooks', webhooksJourney)
