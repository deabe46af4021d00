// Browser journeys of the admin console and the report pages, run by
// run.mjs against the same `ipcc serve --demo --demo-quiet` (calls are
// placed through the simulator's control API).
//
// Standalone against a running demo (for development):
//   IPCC_URL=http://127.0.0.1:8080 IPCC_SIM=http://127.0.0.1:8081/sim/v1 IPCC_ADMIN_PASSWORD=... node e2e/admin.mjs
import { superadminPage } from './superadmin.mjs'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { selectOption, switchLanguage } from './antd.mjs'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const E = L.en
const Z = L['zh-CN']
const tenantH = { 'X-IPCC-Tenant': 'default' }
const adminUser = 'e2e-admin'
const qaUser = 'e2e-qa'
const pw = 'e2e-password-123'

// The admin pages (path, menu key) in menu order.
const adminPages = [
  ['users', 'users'],
  ['queues', 'queues'],
  ['routes', 'routes'],
  ['schedules', 'schedules'],
  ['blacklist', 'blacklist'],
  ['vip', 'whitelist'],
  ['caller-rules', 'rules'],
  ['caller-lists', 'callerLists'],
  ['routing-settings', 'routingSettings'],
  ['recording', 'recording'],
  ['retention', 'retention'],
  ['mailboxes', 'mailboxes'],
  ['webhooks', 'webhooks'],
  ['apikeys', 'apikeys'],
  ['desktop', 'desktop'],
  ['audit', 'audit'],
  ['campaigns', 'campaigns'],
]
const reports = ['calls', 'hourly', 'agents', 'service', 'operations', 'queues', 'abandoned', 'waits', 'satisfaction', 'surveys']

async function signIn(page, base, lang, username, password) {
  const t = L[lang]
  await page.goto(`${base}/login?lang=${lang}`)
  await page.getByLabel(t.login.tenant).fill('default')
  await page.getByLabel(t.login.username).fill(username)
  await page.getByLabel(t.login.password).fill(password)
  await page.getByRole('button', { name: t.login.submit }).click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

// formItem is the form item (label, control, its error) labelled name.
function formItem(scope, name) {
  return scope.locator('.ant-form-item').filter({ has: scope.page().locator(`label[title="${name}"]`) })
}

// pickOption chooses an option of a single select and waits until the select
// shows it: on a busy machine a click during the dropdown's opening animation
// can be lost, so it tries again.
async function pickOption(page, scope, label, optionText) {
  await selectOption(page, formItem(scope, label).locator('.ant-select'), optionText, label)
}

// csvOf reads a download's text (without a byte-order mark) as rows.
async function csvRows(download) {
  const text = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '')
  return text.split(/\r?\n/).filter((l) => l.length > 0)
}

export async function adminJourneys(h) {
  const { browser, base, ctl, step, waitFor, assert, api, token, shot, adminPassword, agentPage, agentToken, debugPages } = h
  const sa = await token(base, 'admin', adminPassword)

  await step('setup: an admin and a QA user of the tenant (through the API)', async () => {
    for (const [username, role] of [
      [adminUser, 'admin'],
      [qaUser, 'qa'],
    ]) {
      const r = await api(base, 'POST', '/api/v1/users', sa, { username, password: pw, role, display_name: `E2E ${role}` }, tenantH)
      assert(r.status === 201 || r.status === 409, `create ${username}: ${r.status} ${JSON.stringify(r.body)}`)
    }
  })
  const adminToken = await token(base, adminUser, pw)

  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true })
  const page = await ctx.newPage()
  debugPages.push(page)
  const cspErrors = []
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && cspErrors.push(m.text()))

  await step('admin creates a user: the API refuses a bad user name at the field, then it is saved, edited and deleted', async () => {
    await signIn(page, base, 'en', adminUser, pw)
    await page.getByRole('link', { name: E.nav.admin }).click()
    await page.waitForURL((u) => u.pathname === '/admin/users')
    const sec = page.getByRole('region', { name: E.admin.users.title })
    await sec.getByText(E.admin.live).waitFor()
    await sec.getByRole('button', { name: E.admin.new }).click()
    const dlg = page.locator('.ant-drawer-content')
    await formItem(dlg, E.admin.users.username).locator('input').fill('new agent!')
    await formItem(dlg, E.admin.users.password).locator('input').fill('a-good-password-1')
    await formItem(dlg, E.admin.users.displayName).locator('input').fill('测试 Test Agent')
    await formItem(dlg, E.admin.users.workNumber).locator('input').fill('8801')
    const devices = formItem(dlg, E.admin.users.devices).locator('input')
    await devices.fill('1088')
    await devices.press('Enter')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    // The API's message, at the user-name field.
    const err = formItem(dlg, E.admin.users.username).locator('.ant-form-item-explain-error')
    await err.getByText('may only contain letters').waitFor()
    await shot(page, 'admin-user-error.en')
    await formItem(dlg, E.admin.users.username).locator('input').fill('e2e-agent-9')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await sec.getByRole('cell', { name: 'e2e-agent-9', exact: true }).waitFor()
    const users = (await api(base, 'GET', '/api/v1/users', adminToken)).body
    const u = users.find((x) => x.username === 'e2e-agent-9')
    assert(u && u.work_number === '8801' && u.devices?.[0] === '1088' && u.role === 'agent', `created user: ${JSON.stringify(u)}`)
    // Edit: the display name.
    await sec.getByRole('button', { name: `${E.admin.edit} e2e-agent-9` }).click()
    await formItem(dlg, E.admin.users.displayName).locator('input').fill('Renamed Agent')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await sec.getByRole('cell', { name: 'Renamed Agent', exact: true }).waitFor()
    assert((await api(base, 'GET', `/api/v1/users/${u.id}`, adminToken)).body.display_name === 'Renamed Agent', 'the edit did not reach the API')
    await shot(page, 'admin-users.en')
    // Delete.
    await sec.getByRole('button', { name: `${E.admin.delete} e2e-agent-9` }).click()
    await page.locator('.ant-popconfirm').getByRole('button', { name: E.admin.delete }).click()
    await sec.getByRole('cell', { name: 'e2e-agent-9', exact: true }).waitFor({ state: 'detached' })
    assert((await api(base, 'GET', `/api/v1/users/${u.id}`, adminToken)).status === 404, 'the user is still there')
  })

  await step('admin creates a queue (error at the id field), adds a member with a level, edits and deletes it', async () => {
    await page.getByRole('navigation', { name: E.admin.menu }).getByRole('link', { name: E.admin.nav.queues }).click()
    const sec = page.getByRole('region', { name: E.admin.queues.title })
    await sec.getByRole('cell', { name: 'operator', exact: true }).waitFor()
    await sec.getByRole('button', { name: E.admin.new }).click()
    const dlg = page.locator('.ant-drawer-content')
    await formItem(dlg, E.admin.queues.id).locator('input').fill('e2e queue')
    await formItem(dlg, E.admin.queues.name).locator('input').fill('E2E 队列')
    await pickOption(page, dlg, E.admin.queues.strategy, E.admin.queues.strategies['ring-all'])
    await formItem(dlg, E.admin.queues.ringTimeout).locator('input').fill('25')
    await dlg.getByRole('tab', { name: E.admin.queues.tabs.wrapUp }).click()
    await formItem(dlg, E.admin.queues.wrapUp).locator('input').fill('15')
    await dlg.getByRole('tab', { name: E.admin.queues.tabs.basic }).click()
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await formItem(dlg, E.admin.queues.id).locator('.ant-form-item-explain-error').getByText('id must be').waitFor()
    await shot(page, 'admin-queue-error.en')
    await formItem(dlg, E.admin.queues.id).locator('input').fill('e2e-queue')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await sec.getByRole('cell', { name: 'e2e-queue', exact: true }).waitFor()
    const q = (await api(base, 'GET', '/api/v1/queues/e2e-queue', adminToken)).body
    assert(q.strategy === 'ring-all' && q.ring_timeout_ms === 25000 && q.wrap_up_ms === 15000, `queue: ${JSON.stringify(q)}`)
    // Members: add 赵敏 (1005) at level 2.
    await sec.getByRole('button', { name: `${E.admin.edit} e2e-queue` }).click()
    const members = dlg.getByRole('region', { name: E.admin.queues.members })
    // The agent picker enables "Add member" once an agent is chosen; a
    // click lost under load is tried again.
    const addMember = members.getByRole('button', { name: E.admin.queues.addMember })
    for (let i = 0; !(await addMember.isEnabled()); i++) {
      if (i >= 3) throw new Error('could not choose Zhao Min in the member picker')
      await members.getByRole('combobox', { name: E.admin.queues.addAgent }).click()
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'Zhao Min' }).first().click({ timeout: 10_000 }).catch(() => undefined)
      await waitFor(() => addMember.isEnabled(), '"Add member" enabled', 3_000).catch(() => undefined)
    }
    await members.getByRole('spinbutton', { name: E.admin.queues.level }).fill('2')
    await addMember.click()
    await members.getByRole('cell', { name: /Zhao Min/ }).waitFor()
    const ms = await waitFor(async () => {
      const r = (await api(base, 'GET', '/api/v1/queues/e2e-queue/members', adminToken)).body
      return r?.length === 1 && r
    }, 'the member in the API')
    assert(ms[0].level === 2, `member: ${JSON.stringify(ms)}`)
    // Edit: strategy.
    await pickOption(page, dlg, E.admin.queues.strategy, E.admin.queues.strategies['longest-idle'])
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await sec.getByRole('cell', { name: E.admin.queues.strategies['longest-idle'] }).first().waitFor()
    assert((await api(base, 'GET', '/api/v1/queues/e2e-queue', adminToken)).body.strategy === 'longest-idle', 'strategy not saved')
    await shot(page, 'admin-queues.en')
    await sec.getByRole('button', { name: `${E.admin.delete} e2e-queue` }).click()
    await page.locator('.ant-popconfirm').getByRole('button', { name: E.admin.delete }).click()
    await sec.getByRole('cell', { name: 'e2e-queue', exact: true }).waitFor({ state: 'detached' })
    assert((await api(base, 'GET', '/api/v1/queues/e2e-queue', adminToken)).status === 404, 'the queue is still there')
  })

  await step('a blacklist CSV with a bad row is refused with the row named, nothing imported; a good one imports; VIP likewise', async () => {
    await page.goto(`${base}/admin/blacklist`)
    const sec = page.getByRole('region', { name: E.admin.blacklist.title })
    await sec.getByRole('button', { name: E.admin.new }).waitFor()
    const before = (await api(base, 'GET', '/api/v1/blacklist', adminToken)).body.length
    const n = String(Date.now()).slice(-5) // fresh numbers on every run
    const bad = `number,kind,reason,expires_at\n1391${n}01,exact,spam,\n1391${n}02,fuzzy,spam,\n`
    await sec.locator('input[type=file]').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) })
    const alert = sec.getByRole('alert')
    await alert.getByText(E.admin.csv.refused).waitFor()
    await alert.getByText('line 3, column 2 (kind)').waitFor()
    await shot(page, 'admin-blacklist-csv-refused.en')
    assert((await api(base, 'GET', '/api/v1/blacklist', adminToken)).body.length === before, 'a refused file imported rows')
    const good = `number,kind,reason,expires_at\n1391${n}01,exact,spam,\n1391${n},prefix,range,\n`
    await sec.locator('input[type=file]').setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) })
    await sec.getByRole('cell', { name: `1391${n}01`, exact: true }).waitFor()
    assert((await api(base, 'GET', '/api/v1/blacklist', adminToken)).body.length === before + 2, 'the good file was not imported')
    const dl = page.waitForEvent('download')
    await sec.getByRole('button', { name: E.admin.csv.export }).click()
    const rows = await csvRows(await dl)
    assert(rows[0] === 'number,kind,reason,expires_at' && rows.some((r) => r.startsWith(`1391${n}01,exact,spam`)), `export: ${rows.join(' | ')}`)

    await page.goto(`${base}/admin/vip`)
    const vip = page.getByRole('region', { name: E.admin.whitelist.title })
    await vip.getByRole('button', { name: E.admin.new }).waitFor()
    await vip.locator('input[type=file]').setInputFiles({ name: 'vip.csv', mimeType: 'text/csv', buffer: Buffer.from(`1392${n}01,exact,Gold,50,\n1392${n}02,exact,Silver,high,\n`) })
    await vip.getByRole('alert').getByText('line 2, column 4 (priority)').waitFor()
    await vip.locator('input[type=file]').setInputFiles({ name: 'vip.csv', mimeType: 'text/csv', buffer: Buffer.from(`1392${n}01,exact,Gold,50,\n`) })
    await vip.getByRole('cell', { name: `1392${n}01`, exact: true }).waitFor()
  })

  await step('routes: a dry run says where a call to 4001 goes and why', async () => {
    await page.goto(`${base}/admin/routes`)
    const d = page.getByRole('region', { name: E.admin.routes.decide })
    await d.getByLabel(E.admin.routes.did).fill('4001')
    await d.getByLabel(E.admin.routes.caller).fill('13800000000')
    await d.getByRole('button', { name: E.admin.routes.decideRun }).click()
    const res = d.locator('.ant-alert-success')
    await res.getByText(E.admin.target.kinds.flow).waitFor()
    const want = (await api(base, 'POST', '/api/v1/routes/decide', adminToken, { did: '4001', ani: '13800000000' })).body
    await res.getByText(want.trace[0]).waitFor()
  })

  await step('every admin page in both languages (screenshots)', async () => {
    for (const lang of ['en', 'zh-CN']) {
      const t = L[lang]
      if (lang === 'zh-CN') await switchLanguage(page, 'en', 'zh-CN')
      for (const [path, key] of adminPages) {
        await page.getByRole('navigation', { name: t.admin.menu }).getByRole('link', { name: t.admin.nav[key] }).click()
        await page.waitForURL((u) => u.pathname === `/admin/${path}`)
        const title = t.admin[key]?.title ?? t.admin.nav[key]
        await page.getByRole('heading', { name: title }).first().waitFor()
        await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined)
        await shot(page, `admin-${path}.${lang}`)
      }
    }
    // The queue form in Chinese, with its tabs.
    await page.goto(`${base}/admin/queues`)
    await page.getByRole('button', { name: `${Z.admin.edit} operator` }).click()
    await page.locator('.ant-drawer-content').getByRole('region', { name: Z.admin.queues.members }).getByRole('cell').first().waitFor()
    await shot(page, 'admin-queue-edit.zh-CN')
    // The sample queue saved unchanged keeps its settings (also those the
    // form has no field for, such as the English entry prompt).
    const q0 = (await api(base, 'GET', '/api/v1/queues/operator', adminToken)).body
    await page.locator('.ant-drawer-content').getByRole('button', { name: Z.admin.save }).click()
    await page.locator('.ant-drawer-content').waitFor({ state: 'hidden' })
    const q1 = (await api(base, 'GET', '/api/v1/queues/operator', adminToken)).body
    delete q0.updated_at
    delete q1.updated_at
    assert(JSON.stringify(q0) === JSON.stringify(q1), `saving changed the queue:\n${JSON.stringify(q0)}\n${JSON.stringify(q1)}`)
    // The schedule with its holiday calendar; saved unchanged it stays the same.
    await page.goto(`${base}/admin/schedules`)
    const s0 = (await api(base, 'GET', '/api/v1/schedules', adminToken)).body[0]
    await page.getByRole('button', { name: `${Z.admin.edit} ${s0.name}` }).click()
    await page.locator('.ant-drawer-content').getByRole('region', { name: Z.admin.schedules.calendar }).waitFor()
    await shot(page, 'admin-schedule-edit.zh-CN')
    await page.locator('.ant-drawer-content').getByRole('button', { name: Z.admin.save }).click()
    await page.locator('.ant-drawer-content').waitFor({ state: 'hidden' })
    const s1 = (await api(base, 'GET', `/api/v1/schedules/${s0.id}`, adminToken)).body
    assert(JSON.stringify(s0) === JSON.stringify(s1), `saving changed the schedule:\n${JSON.stringify(s0)}\n${JSON.stringify(s1)}`)
    await switchLanguage(page, 'zh-CN', 'en')
  })

  await step('supervisor sees queues, prompts, campaigns and outbound routing read-only and no other admin page', async () => {
    const sctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
    const sp = await sctx.newPage()
    await signIn(sp, base, 'zh-CN', 'supervisor', 'ipcc-demo')
    await sp.getByRole('link', { name: Z.nav.admin }).click()
    await sp.waitForURL((u) => u.pathname === '/admin/queues')
    const sec = sp.getByRole('region', { name: Z.admin.queues.title })
    await sec.getByText(Z.admin.readOnly).waitFor()
    assert((await sec.getByRole('button', { name: Z.admin.new }).count()) === 0, 'the supervisor has a New button')
    assert((await sec.getByRole('button', { name: `${Z.admin.delete} operator` }).count()) === 0, 'the supervisor has a Delete button')
    const menu = sp.getByRole('navigation', { name: Z.admin.menu })
    // Queues, prompts, campaigns and the four outbound routing pages
    // (read-only), the SMS log and the customer records (supervisors work
    // with them), nothing else.
    const links = (await menu.getByRole('link').allTextContents()).sort()
    const want = [Z.admin.nav.queues, Z.admin.nav.prompts, Z.admin.nav.campaigns, Z.admin.nav.outTrunks, Z.admin.nav.outRoutes, Z.admin.nav.outPools, Z.admin.nav.outSettings,
      Z.admin.nav.sms, Z.admin.nav.customers].sort()
    assert(JSON.stringify(links) === JSON.stringify(want), `the supervisor's admin menu: ${links.join(', ')}`)
    await sec.getByRole('button', { name: `${Z.admin.view} operator` }).click()
    const dlg = sp.locator('.ant-drawer-content')
    await formItem(dlg, Z.admin.queues.name).locator('input').waitFor()
    assert(await formItem(dlg, Z.admin.queues.name).locator('input').isDisabled(), 'the queue form is editable')
    assert((await dlg.getByRole('button', { name: Z.admin.save }).count()) === 0, 'the supervisor has a Save button')
    assert((await dlg.getByRole('button', { name: Z.admin.queues.addMember }).count()) === 0, 'the supervisor may add members')
    await shot(sp, 'admin-queues-supervisor.zh-CN')
    await sp.goto(`${base}/admin/users`)
    await sp.getByText(Z.app.noAccess).or(sp.getByText(E.app.noAccess)).first().waitFor()
    const stoken = await token(base, 'supervisor')
    assert((await api(base, 'PUT', '/api/v1/queues/operator', stoken, { id: 'operator', name: 'x', strategy: 'ring-all' })).status === 403, 'the API let a supervisor change a queue')
    await sctx.close()
  })

  await step('agents and QA users cannot open admin pages (and the API refuses them)', async () => {
    await agentPage.goto(`${base}/admin/users`)
    await agentPage.getByText(L['zh-CN'].app.noAccess).or(agentPage.getByText(E.app.noAccess)).first().waitFor()
    assert((await agentPage.getByRole('link', { name: /Admin|系统管理/ }).count()) === 0, 'the agent sees an admin link')
    await agentPage.goto(`${base}/reports/queues`)
    await agentPage.getByText(L['zh-CN'].app.noAccess).or(agentPage.getByText(E.app.noAccess)).first().waitFor()
    await shot(agentPage, 'admin-agent-no-access.zh-CN')
    await agentPage.goto(`${base}/agent`)
    assert((await api(base, 'GET', '/api/v1/users', agentToken)).status === 403, 'the API let an agent list users')
    const qctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const qp = await qctx.newPage()
    await signIn(qp, base, 'en', qaUser, pw)
    assert((await qp.getByRole('link', { name: E.nav.admin }).count()) === 0, 'QA sees an admin link')
    for (const p of ['/admin/users', '/admin/queues', '/admin/blacklist']) {
      await qp.goto(base + p)
      await qp.getByText(E.app.noAccess).waitFor()
    }
    await shot(qp, 'admin-qa-no-access.en')
    const qt = await token(base, qaUser, pw)
    assert((await api(base, 'GET', '/api/v1/queues', qt)).status === 403, 'the API let QA list queues')
    await qctx.close()
  })

  let newTenant = ''
  await step('superadmin: tenants with usage, create and disable one', async () => {
    // The superadmin signs in without a tenant.
    const { ctx: sctx, page: p } = await superadminPage(browser, base, adminPassword)
    const sec = p.getByRole('region', { name: E.admin.tenants.title })
    await sec.getByRole('cell', { name: 'default', exact: true }).waitFor()
    await sec.getByText(E.admin.tenants.callsToday).first().waitFor()
    await sec.getByRole('button', { name: E.admin.new }).click()
    const dlg = p.locator('.ant-drawer-content')
    await formItem(dlg, E.admin.tenants.id).locator('input').fill('E2E')
    await formItem(dlg, E.admin.tenants.name).locator('input').fill('E2E tenant')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await formItem(dlg, E.admin.tenants.id).locator('.ant-form-item-explain-error').waitFor()
    const tid = `e2e-${String(Date.now()).slice(-6)}`
    await formItem(dlg, E.admin.tenants.id).locator('input').fill(tid)
    await dlg.getByRole('button', { name: E.admin.save }).click()
    const row = sec.getByRole('row').filter({ has: p.getByRole('cell', { name: tid, exact: true }) })
    await row.getByRole('button', { name: E.admin.tenants.disable }).click()
    await row.getByText(E.admin.disabled).waitFor()
    assert((await api(base, 'GET', `/api/v1/tenants/${tid}`, sa)).body.disabled === true, 'the tenant is not disabled')
    await shot(p, 'admin-tenants.en')
    newTenant = tid
    await sctx.close()
  })

  await step('superadmin: gateways per tenant (a bad name refused at the field, saved, in Chinese, removed)', async () => {
    const P = E.platformGateways
    const Z = L['zh-CN'].platformGateways
    const { ctx: sctx, page: p } = await superadminPage(browser, base, adminPassword)
    debugPages.push(p)
    await p.getByRole('navigation', { name: E.admin.menu }).getByRole('link', { name: E.admin.nav.platformGateways }).click()
    const sec = p.getByRole('region', { name: P.title })
    await sec.getByRole('button', { name: E.admin.new }).click()
    const dlg = p.locator('.ant-drawer-content')
    await pickOption(p, dlg, P.tenant, `(${newTenant})`)
    const tags = formItem(dlg, P.gateways).locator('input')
    await tags.fill('bad!gw')
    await tags.press('Enter')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    await formItem(dlg, P.gateways).locator('.ant-form-item-explain-error').filter({ hasText: 'not a gateway name' }).waitFor()
    await formItem(dlg, P.gateways).locator('.ant-select-selection-item-remove').first().click()
    await tags.fill('gw-e2e')
    await tags.press('Enter')
    await dlg.getByRole('button', { name: E.admin.save }).click()
    const row = sec.getByRole('row').filter({ has: p.getByRole('cell', { name: newTenant, exact: true }) })
    await row.getByText('gw-e2e').waitFor()
    await row.getByText(P.fromApi).waitFor()
    const entries = (await api(base, 'GET', '/api/v1/platform/trunk-gateways', sa)).body
    assert(entries.some((x) => x.tenant === newTenant && x.source === 'api' && x.gateways.join() === 'gw-e2e'), `entries ${JSON.stringify(entries)}`)
    await shot(p, 'admin-platform-gateways.en')
    await switchLanguage(p, 'en', 'zh-CN')
    await p.getByRole('region', { name: Z.title }).getByText(Z.fromApi).first().waitFor()
    await shot(p, 'admin-platform-gateways.zh-CN')
    await switchLanguage(p, 'zh-CN', 'en')
    await row.getByRole('button', { name: `${E.admin.delete} ${newTenant}` }).click()
    await p.locator('.ant-popconfirm').getByRole('button', { name: E.admin.delete }).click()
    await row.waitFor({ state: 'detached' })
    assert(!(await api(base, 'GET', '/api/v1/platform/trunk-gateways', sa)).body.some((x) => x.tenant === newTenant), 'the entry is still there')
    await sctx.close()
  })

  await step('report data: an abandoned call and a rated survey (simulated callers)', async () => {
    const st = async () => (await api(base, 'GET', '/api/v1/agent/state', agentToken)).body
    // The agent is away: a caller waits in the operator queue and hangs up.
    await waitFor(async () => {
      const s = await st()
      if (s?.state === 'wrap-up') await api(base, 'POST', '/api/v1/agent/wrap-up/end', agentToken)
      if (s?.state === 'available') await api(base, 'POST', '/api/v1/agent/not-ready', agentToken, { reason: 'break' })
      return s?.state === 'not-ready'
    }, 'the agent not ready', 30_000)
    const ab = await fetch(`${ctl}/calls`, { method: 'POST', body: JSON.stringify({ front: 'freeswitch', from: '13900000444', to: '4001', press: [{ after_ms: 4000, digits: '0' }], hangup_after_ms: 14000 }) })
    assert(ab.ok, `sim call: ${ab.status}`)
    await waitFor(async () => {
      const r = await api(base, 'GET', '/api/v1/reports/abandoned?include=ivr', adminToken)
      return r.status === 200 && (r.body.rows ?? []).some((x) => x.caller === '13900000444')
    }, 'the abandoned call in the report', 40_000)
    // Ready again: the next caller is answered (and recorded: a policy
    // for the operator queue), the agent hangs up, the caller rates the
    // service 1.
    const pol = await api(base, 'POST', '/api/v1/recording-policies', adminToken, { scope: 'queue', target: 'operator', inbound: 'always', note: 'e2e' })
    assert(pol.status === 201, `recording policy: ${pol.status} ${JSON.stringify(pol.body)}`)
    await api(base, 'POST', '/api/v1/agent/ready', agentToken)
    const placed = await (await fetch(`${ctl}/calls`, { method: 'POST', body: JSON.stringify({ front: 'freeswitch', from: '13900000333', to: '4001', press: [{ after_ms: 4000, digits: '0' }], hangup_after_ms: 120000 }) })).json()
    const call = await waitFor(async () => {
      const s = await st()
      return s?.state === 'on-call' && s.call_id
    }, 'the call connected to the agent', 60_000)
    // The agent's phone hangs up first (the caller stays for the survey).
    // Once the caller heard the agent's work number, the two are talking.
    const agentLeg = await waitFor(async () => {
      const legs = (await (await fetch(`${ctl}/calls`)).json()).calls ?? []
      const caller = legs.find((c) => c.inbound && c.ani === '13900000333' && c.state === 'up')
      if (!(caller?.heard ?? []).some((x) => /8005/.test(x.text ?? ''))) return undefined
      return legs.filter((c) => !c.inbound && c.dnis === '1005' && c.ani === '13900000333' && c.state === 'up').pop()
    }, 'the agent phone leg of the connected call', 30_000)
    const hu = await fetch(`${ctl}/calls/${agentLeg.id}/hangup`, { method: 'POST' })
    assert(hu.ok, `agent phone hangup: ${hu.status}`)
    const leg = placed.id ?? placed.call?.id
    await waitFor(async () => {
      await fetch(`${ctl}/calls/${leg}/press`, { method: 'POST', body: JSON.stringify({ digits: '1' }) }).catch(() => undefined)
      const r = await api(base, 'GET', `/api/v1/calls/${call}`, adminToken)
      return r.status === 200 && (r.body.surveys ?? []).length > 0
    }, 'the survey on the call record', 40_000, 1500)
    await waitFor(async () => ((await api(base, 'GET', `/api/v1/calls/${call}`, adminToken)).body.recordings ?? []).some((r) => r.status === 'done'), 'the recording of the call', 20_000)
    await api(base, 'DELETE', `/api/v1/recording-policies/${pol.body.id}`, adminToken)
  })

  await step('each report page loads with data, exports CSV of what it shows, and drills down (both languages)', async () => {
    await page.goto(`${base}/reports`)
    await page.waitForURL((u) => u.pathname === '/reports/queues')
    for (const lang of ['en', 'zh-CN']) {
      const t = L[lang]
      if (lang === 'zh-CN') await switchLanguage(page, 'en', 'zh-CN')
      for (const r of reports) {
        await page.getByRole('navigation', { name: t.reports.menu }).getByRole('link', { name: t.reports.names[r], exact: true }).click()
        await page.waitForURL((u) => u.pathname === `/reports/${r}`)
        const sec = page.getByRole('region', { name: t.reports.names[r] })
        const table = sec.getByTestId('report-table')
        await waitFor(async () => (await table.locator('tbody tr.ant-table-row').count()) > 0, `rows in the ${r} report`, 20_000)
        await sec.getByTestId('report-chart').waitFor()
        if (lang === 'en') {
          const shown = await table.locator('tbody tr.ant-table-row').count()
          const dl = page.waitForEvent('download')
          await sec.getByRole('button', { name: t.reports.exportShown }).click()
          const rows = await csvRows(await dl)
          const header = (await table.locator('thead th:not([data-action])').allInnerTexts()).map((s) => s.trim()).filter(Boolean)
          assert(rows[0] === header.join(','), `${r}: CSV header ${rows[0]} is not the table's ${header.join(',')}`)
          assert(rows.length - 1 >= shown, `${r}: CSV has ${rows.length - 1} rows, the table shows ${shown}`)
          const first = (await table.locator('tbody tr.ant-table-row').first().locator('td:not([data-action])').allInnerTexts()).map((s) => s.trim())
          assert(rows.slice(1).some((line) => first.filter(Boolean).every((cell) => line.includes(cell.replace(/"/g, '""')))), `${r}: the first row ${first.join('|')} is not in the CSV`)
        }
        await shot(page, `report-${r}.${lang}`)
      }
    }
    await switchLanguage(page, 'zh-CN', 'en')
  })

  await step('drill-down: a queue figure opens the calls behind it, and a call its detail (legs, trace, recording player, survey)', async () => {
    await page.goto(`${base}/reports/queues`)
    const sec = page.getByRole('region', { name: E.reports.names.queues })
    const row = sec.getByTestId('report-table').locator('tbody tr.ant-table-row').filter({ hasText: 'Operator' }).first()
    await row.waitFor()
    await row.getByRole('link', { name: /^\d+$/ }).first().click()
    await page.waitForURL((u) => u.pathname === '/reports/calls' && u.searchParams.get('queue') === 'operator')
    const calls = page.getByRole('region', { name: E.reports.names.calls })
    const rows = calls.getByTestId('report-table').locator('tbody tr.ant-table-row')
    await rows.first().waitFor()
    for (const text of await rows.locator('td:nth-child(5)').allInnerTexts()) assert(text.trim() === 'operator', `a drilled call of queue ${text}`)
    await shot(page, 'report-drill-calls.en')
    await calls.getByTestId('report-table').locator('tbody tr.ant-table-row').filter({ hasText: '13900000333' }).first().getByRole('link').first().click()
    await page.waitForURL((u) => u.pathname.startsWith('/reports/call/'))
    const d = page.getByRole('region', { name: E.reports.call.title })
    await d.getByText(E.reports.call.legs).waitFor()
    await d.getByText(`${E.reports.cols.score}: 1`).waitFor()
    await d.getByTestId('call-trace').waitFor()
    // The recording plays (fetched with the token).
    await d.getByRole('button', { name: `▶ ${E.reports.call.play}` }).click()
    await d.locator('audio').waitFor()
    // A legal hold placed on the page reaches the API.
    const rec = (await api(base, 'GET', `/api/v1/calls/${new URL(page.url()).pathname.split('/').pop()}`, adminToken)).body.recordings[0]
    await d.getByRole('switch', { name: `${E.reports.call.legalHold} ${rec.id}` }).click()
    await waitFor(async () => (await api(base, 'GET', `/api/v1/recordings/${rec.id}`, adminToken)).body.legal_hold === true, 'the legal hold in the API', 10_000)
    await shot(page, 'report-call-detail.en')
    await switchLanguage(page, 'en', 'zh-CN')
    await page.getByRole('region', { name: Z.reports.call.title }).getByText(Z.reports.call.legs).waitFor()
    await shot(page, 'report-call-detail.zh-CN')
  })

  await step('admin console and reports: no Content-Security-Policy violations', async () => {
    assert(cspErrors.length === 0, cspErrors.join('\n'))
  })
  await ctx.close()
}

// Standalone run against a running controller (see the top).
if (process.argv[1] && process.argv[1].endsWith('admin.mjs')) {
  const { chromium } = await import('playwright-core')
  const base = process.env.IPCC_URL ?? 'http://127.0.0.1:8080'
  const ctl = process.env.IPCC_SIM ?? 'http://127.0.0.1:8081/sim/v1'
  const adminPassword = process.env.IPCC_ADMIN_PASSWORD ?? 'e2e-admin-password'
  const shots = join(here, 'screenshots')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(shots, { recursive: true })
  mkdirSync(join(here, 'out'), { recursive: true })
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
  const waitFor = async (fn, what, timeout = 30_000, every = 250) => {
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
  const browserPath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] })
  const debugPages = []
  const agentCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const agentPage = await agentCtx.newPage()
  await signIn(agentPage, base, 'zh-CN', '1005', 'ipcc-demo')
  await api(base, 'POST', '/api/v1/agent/login', await token(base, '1005'), {})
  let failed = 0
  try {
    await adminJourneys({
      browser,
      base,
      ctl,
      adminPassword,
      agentPage,
      agentToken: await token(base, '1005'),
      debugPages,
      api,
      token,
      waitFor,
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
          for (const [i, p] of debugPages.entries()) await p.screenshot({ path: join(here, 'out', `failure-admin-${i}.png`), fullPage: true }).catch(() => undefined)
          console.log(`  FAIL ${name}: ${e?.stack ?? e}`)
          throw e
        }
      },
    })
  } finally {
    await browser.close()
  }
  process.exit(failed ? 1 : 0)
}
