// The IVR flow editor journeys: an admin builds a three-level menu from an
// empty canvas by drag and drop, sees a validation error and fixes it,
// simulates, publishes, routes a DID to the flow, a demo call follows the
// path (checked through the API), a second version is published and rolled
// back; screenshots in both languages. Then the 300-node measurement.
export async function flowJourneys(h) {
  const { browser, base, ctl, step, api, token, L, shot, waitFor, assert, metrics, adminPassword, debugPages } = h
  const E = L.en.flows
  const Z = L['zh-CN'].flows
  const su = await token(base, 'admin', adminPassword)
  const T = { 'X-IPCC-Tenant': 'default' }
  const flowId = 'e2e-menu'
  const did = '4777'
  const caller = '13766600001'

  const adminUser = 'flowadmin'
  const adminPw = 'flow-admin-password'
  const u = await api(base, 'POST', '/api/v1/users', su, { username: adminUser, role: 'admin', password: adminPw, display_name: 'Flow Admin' }, T)
  assert(u.status === 201, `create admin: ${u.status} ${JSON.stringify(u.body)}`)
  const adminTok = await api(base, 'POST', '/api/v1/auth/login', null, { tenant: 'default', username: adminUser, password: adminPw }).then((r) => r.body.token)

  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const page = await ctx.newPage()
  debugPages.push(page)
  const csp = []
  if (process.env.IPCC_E2E_DEBUG) {
    page.on('request', (r) => r.url().includes('/flows') && console.log('  >', r.method(), r.url().slice(-40)))
    page.on('requestfinished', async (r) => r.url().includes('/flows') && console.log('  <', r.method(), r.url().slice(-40), (await r.response())?.status()))
    page.on('requestfailed', (r) => console.log('  x', r.method(), r.url(), r.failure()?.errorText))
    page.on('console', (m) => console.log('  console', m.type(), m.text().slice(0, 300)))
  }
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && csp.push(m.text()))

  const canvas = page.getByTestId('flow-canvas')
  const node = (id) => page.locator(`.react-flow__node[data-id="${id}"]`)
  const handle = (id, h) => page.locator(`.react-flow__handle[data-nodeid="${id}"][data-handleid="${h}"]`)
  const status = () => page.getByRole('status', { name: E.validity })
  const box = async () => canvas.boundingBox()

  // dropType drags a palette item onto the canvas at (x, y) in the canvas.
  async function dropType(type, x, y) {
    const before = await page.locator('.react-flow__node').count()
    await page.locator(`.flow-palette-item[data-type="${type}"]`).dragTo(canvas, { targetPosition: { x, y } })
    await waitFor(async () => (await page.locator('.react-flow__node').count()) === before + 1, `a ${type} node on the canvas`, 5000)
  }
  // wire drags from an output handle to a node's input.
  async function wire(from, h, to) {
    const s = await handle(from, h).boundingBox()
    const t = await handle(to, 'in').boundingBox()
    assert(s && t, `handles ${from}.${h} → ${to}`)
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2)
    await page.mouse.down()
    await page.mouse.move((s.x + t.x) / 2, (s.y + t.y) / 2, { steps: 5 })
    await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 5 })
    await page.mouse.up()
  }
  async function select(id, F = E) {
    await node(id).locator('.flow-node-id').click()
    await page.getByRole('textbox', { name: F.field.id, exact: true }).and(page.locator(`[value="${id}"]`)).waitFor()
  }
  async function fillPrompt(zh, en) {
    const g = page.getByRole('group', { name: E.field.prompt, exact: true })
    await g.getByRole('button', { name: `+ ${E.addPromptItem}` }).click()
    await g.getByLabel(`${E.field.prompt} 1 zh-CN`).fill(zh)
    await g.getByLabel(`${E.field.prompt} 1 en`).fill(en)
  }
  async function pick(label, option) {
    await page.getByRole('combobox', { name: label, exact: true }).click({ force: true })
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').last().locator(`.ant-select-item-option[title="${option}"]`).click()
    await page.waitForTimeout(400) // the dropdown's closing animation
  }
  const flowAPI = async () => (await api(base, 'GET', `/api/v1/flows/${flowId}`, adminTok)).body

  await step('admin opens the flow editor from the menu and creates an empty flow', async () => {
    await page.goto(`${base}/login?lang=en`)
    await page.getByLabel(L.en.login.tenant).fill('default')
    await page.getByLabel(L.en.login.username).fill(adminUser)
    await page.getByLabel(L.en.login.password).fill(adminPw)
    await page.getByRole('button', { name: L.en.login.submit }).click()
    await page.waitForURL((u) => !u.pathname.startsWith('/login'))
    // Admin in the top menu, then IVR flows in the admin console's menu.
    await page.getByRole('link', { name: L.en.nav.admin, exact: true }).click()
    await page.getByRole('navigation', { name: L.en.admin.menu }).getByRole('link', { name: L.en.admin.nav.flows }).click()
    await page.getByRole('button', { name: E.new }).click()
    await page.getByLabel(E.id, { exact: true }).fill(flowId)
    await page.getByLabel(E.name, { exact: true }).fill('E2E three-level menu')
    await page.getByRole('button', { name: E.create }).click()
    await page.waitForURL(`**/admin/flows/${flowId}`)
    await page.getByText(E.emptyCanvas).waitFor()
    await shot(page, 'flow-editor-empty.en')
  })

  await step('admin builds a three-level menu by drag and drop; a validation error appears and is fixed', async () => {
    await dropType('menu', 140, 70)
    await node('menu_1').waitFor()
    // A menu without a prompt is refused, at its node and field.
    await waitFor(async () => (await status().innerText()).includes('problems'), 'the validator to report problems', 10_000)
    const promptItem = page.locator('.ant-form-item').filter({ has: page.getByRole('group', { name: E.field.prompt, exact: true }) })
    await promptItem.locator('.ant-form-item-explain-error').getByText('prompt is required').waitFor()
    await node('menu_1').locator('.flow-node-errors').waitFor()
    assert(await page.getByRole('button', { name: E.publish }).isDisabled(), 'publish is enabled while the flow is invalid')
    await shot(page, 'flow-editor-error.en')
    await fillPrompt('欢迎致电，查询请按1。', 'Welcome. For enquiries press 1.')
    await promptItem.locator('.ant-form-item-explain-error').getByText('prompt is required').waitFor({ state: 'detached' })

    await dropType('menu', 140, 270)
    await select('menu_2')
    await fillPrompt('第二级菜单，请按1。', 'Second level: press 1.')
    await dropType('menu', 140, 470)
    await select('menu_3')
    await fillPrompt('第三级菜单，转人工请按1。', 'Third level: press 1 for an agent.')
    await dropType('transfer', 140, 670)
    await select('transfer_1')
    await pick(E.field.kind, E.enum.queue)
    await page.getByRole('textbox', { name: E.field.target, exact: true }).fill('support')
    await dropType('hangup', 560, 400)

    await wire('menu_1', 'options.+', 'menu_2')
    await handle('menu_1', 'options.1').waitFor()
    await wire('menu_1', 'fallback', 'hangup_1')
    await wire('menu_2', 'options.+', 'menu_3')
    await wire('menu_2', 'fallback', 'hangup_1')
    await wire('menu_3', 'options.+', 'transfer_1')
    await wire('menu_3', 'fallback', 'hangup_1')
    await waitFor(async () => (await status().innerText()) === E.valid, 'the flow to be valid', 15_000)
    await page.getByRole('status', { name: E.saveStatus }).getByText(E.saveState.saved, { exact: true }).waitFor({ timeout: 10_000 })
    const f = await flowAPI()
    assert(f.draft.start === 'menu_1' && f.draft.nodes.length === 5, `saved draft: ${JSON.stringify(f.draft)}`)
    assert(f.draft.nodes.find((n) => n.id === 'menu_2').options['1'] === 'menu_3', 'menu_2 key 1 is not wired to menu_3')
    assert(f.draft.layout?.menu_3 && f.draft.layout.hangup_1.x > f.draft.layout.menu_3.x, `layout not stored: ${JSON.stringify(f.draft.layout)}`)
    await shot(page, 'flow-editor-built.en')
  })

  await step('admin simulates the path 1,1,1 and it lights up to the transfer', async () => {
    await page.getByRole('tab', { name: E.simulate }).click()
    await page.getByRole('textbox', { name: E.sim.keys, exact: true }).fill('1,1,1')
    await page.getByLabel(E.sim.did, { exact: true }).fill(did)
    await page.getByRole('button', { name: E.sim.run }).click()
    await page.getByTestId('sim-outcome').getByText('transfer queue support').waitFor()
    const path = page.getByRole('list', { name: E.sim.path })
    for (const n of ['menu_1', 'menu_2', 'menu_3', 'transfer_1']) await path.getByText(n, { exact: true }).waitFor()
    await waitFor(async () => (await node('transfer_1').locator('.flow-node.visited').count()) === 1, 'the path to light up to the transfer', 10_000)
    assert((await node('hangup_1').locator('.flow-node.visited').count()) === 0, 'the hang-up node is lit but was not visited')
    await shot(page, 'flow-editor-simulate.en')
  })

  await step('admin publishes; a DID routed to the flow takes a demo call along the path', async () => {
    await page.getByRole('button', { name: E.publish }).click()
    await page.getByText(E.liveVersion.replace('{{version}}', '1')).waitFor()
    assert((await flowAPI()).published_version === 1, 'not published')
    const r = await api(base, 'POST', '/api/v1/routes', adminTok, { name: 'E2E menu', did, enabled: true, default: { kind: 'flow', ref: flowId } })
    assert(r.status === 201, `route: ${r.status} ${JSON.stringify(r.body)}`)
    const c = await fetch(`${ctl}/calls`, {
      method: 'POST',
      body: JSON.stringify({
        front: 'freeswitch',
        from: caller,
        to: did,
        press: [
          { after_ms: 3000, digits: '1' },
          { after_ms: 7000, digits: '1' },
          { after_ms: 11000, digits: '1' },
        ],
        hangup_after_ms: 18000,
      }),
    })
    assert(c.ok, `sim call: ${c.status}`)
    const rec = await waitFor(
      async () => {
        const l = await api(base, 'GET', `/api/v1/calls?number=${caller}`, adminTok)
        return l.status === 200 && (l.body ?? []).find((x) => (x.ivr_path ?? []).length > 0)
      },
      'the call record with its IVR path',
      60_000,
      1000,
    )
    const want = ['menu_1', 'menu_2', 'menu_3', 'transfer_1'].map((n) => `${flowId}/${n}`)
    assert(JSON.stringify(rec.ivr_path) === JSON.stringify(want), `the call took ${JSON.stringify(rec.ivr_path)}, want ${JSON.stringify(want)}`)
    metrics.flowCall = { call: rec.id, ivr_path: rec.ivr_path }
  })

  await step('a second version is published, compared with the first and rolled back', async () => {
    await page.getByRole('tab', { name: E.inspector }).click()
    await select('menu_3')
    await page.getByLabel(`${E.field.prompt} 1 en`).fill('Third level: press 1 for our support team.')
    await page.getByRole('status', { name: E.saveStatus }).getByText(E.saveState.saved, { exact: true }).waitFor({ timeout: 10_000 })
    await waitFor(async () => (await status().innerText()) === E.valid, 'valid', 10_000)
    await page.getByRole('button', { name: E.publish }).click()
    await page.getByText(E.liveVersion.replace('{{version}}', '2')).waitFor()
    await page.getByRole('tab', { name: E.versions }).click()
    await pick(E.diffFrom, 'v1')
    await pick(E.diffTo, 'v2')
    await page.getByRole('button', { name: E.compare }).click()
    const diff = page.getByRole('table', { name: E.diff })
    await diff.locator('.flow-diff-row.change').getByText('press 1 for our support team').waitFor()
    await page.getByText(E.nodesChanged.replace('{{count}}', '1')).waitFor()
    // A controlled checkbox: on a busy machine React may render the new
    // state after Playwright's check() looked; click, then wait for it.
    const onCanvas = page.getByRole('checkbox', { name: E.showOnCanvas })
    for (let i = 0; !(await onCanvas.isChecked()); i++) {
      if (i >= 3) throw new Error('"Show on the canvas" does not get checked')
      await onCanvas.click()
      await waitFor(() => onCanvas.isChecked(), 'the checkbox checked', 3_000).catch(() => undefined)
    }
    await shot(page, 'flow-editor-diff.en')
    await page.keyboard.press('Escape')
    await node('menu_3').locator('.flow-node.mark-changed').waitFor()
    await page.getByRole('button', { name: E.rollbackTo.replace('{{version}}', '1') }).click()
    await page.getByText(E.liveVersion.replace('{{version}}', '1')).waitFor()
    const f = await flowAPI()
    assert(f.published_version === 1, `rollback: live version ${f.published_version}`)
    const sim = await api(base, 'POST', `/api/v1/flows/${flowId}/simulate`, adminTok, { dtmf: '1,1', version: 1 })
    assert(JSON.stringify(sim.body.lines).includes('Third level: press 1 for an agent.') || JSON.stringify(sim.body.lines).includes('第三级菜单'), 'version 1 is not the first prompt text')
    await shot(page, 'flow-editor-versions.en')
  })

  await step('the editor in Chinese: canvas, simulate, versions', async () => {
    await page.getByRole('combobox', { name: L.en.app.language }).click({ force: true })
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').last().locator('.ant-select-item-option[title="简体中文"]').click()
    await page.getByRole('tab', { name: Z.simulate }).click()
    await page.getByRole('textbox', { name: Z.sim.keys, exact: true }).fill('1,1,1')
    await page.getByRole('button', { name: Z.sim.run }).click()
    // The outcome and the steps in Chinese (the API's notes, flowsim.*).
    const ZS = L['zh-CN'].flowsim
    await page.getByTestId('sim-outcome').getByText(`${ZS.kinds.transfer} ${ZS.transferKinds.queue} support`).waitFor()
    await page.getByRole('list', { name: Z.sim.path }).getByText(ZS.notes.transfer.replace('{{kind}}', ZS.transferKinds.queue).replace('{{target}}', 'support')).waitFor()
    await page.getByText(Z.sim.step.replace('{{n}}', '4').replace('{{total}}', '4')).waitFor() // the replay reached the end
    await node('transfer_1').locator('.flow-node.visited').waitFor()
    await shot(page, 'flow-editor-simulate.zh-CN')
    await page.getByRole('tab', { name: Z.inspector }).click()
    await select('menu_1', Z)
    await shot(page, 'flow-editor-inspector.zh-CN')
    await page.getByRole('button', { name: `← ${Z.list}` }).click()
    await page.getByRole('region', { name: Z.title }).getByText(flowId).waitFor()
    await shot(page, 'flows-list.zh-CN')
    await page.getByRole('combobox', { name: L['zh-CN'].app.language }).click({ force: true })
    await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').last().locator('.ant-select-item-option[title="English"]').click()
    await shot(page, 'flows-list.en')
    assert(csp.length === 0, csp.join('\n'))
  })
  await ctx.close()
  await flowPerf({ ...h, adminTok, adminUser })
}

// flowPerf measures the editor with a 300-node flow (IPCC_E2E_JOURNEY=flows-perf
// runs it alone).
export async function flowPerf(h) {
  const { browser, base, step, target, metrics } = h
  let { adminTok, adminUser } = h
  if (!adminTok) {
    const su = await h.token(base, 'admin', h.adminPassword)
    adminUser = 'perfadmin'
    await h.api(base, 'POST', '/api/v1/users', su, { username: adminUser, role: 'admin', password: 'perf-admin-password' }, { 'X-IPCC-Tenant': 'default' })
    adminTok = (await h.api(base, 'POST', '/api/v1/auth/login', null, { tenant: 'default', username: adminUser, password: 'perf-admin-password' })).body.token
  }
  await step('editor with a 300-node flow: no main-thread task over 50 ms while dragging', async () => {
    const attempts = []
    // A task's length is its thread (CPU) time from the Chrome trace: on
    // the shared 2-core machine the Long Tasks API's wall time includes
    // the time the OS gave the CPU to other processes (both are printed).
    const ok = (m) => m.cpu.cpuMax <= 50
    // At 100% (how one edits: the part of the flow in view is drawn) and
    // with the whole flow in view (fit view, every node drawn), one more
    // attempt allowed for each on a busy machine.
    const attempt = async (zoom, into) => {
      const m = await perfBigFlow(browser, base, adminTok, adminUser, zoom)
      into.push(m)
      console.log(`       300-node flow: ${m.nodes} nodes (${m.drawn} drawn), ${m.moves} drag moves over ${m.seconds} s (${m.view}); longest task ${m.cpu.cpuMax} ms CPU; wall-time long tasks: ${m.longTasks} (max ${m.maxLongTaskMs} ms); idle 3 s before: ${m.idleLongTasks} (max ${m.idleMaxMs} ms); open ${m.openMs} ms`)
      return ok(m)
    }
    // IPCC_E2E_FIT_ONLY=1 measures the fit view only (for diagnosis).
    for (let i = 0; i < (process.env.IPCC_E2E_FIT_ONLY ? 0 : 2); i++) if (await attempt(1, attempts)) break
    const fits = []
    for (let i = 0; i < 2; i++) if (await attempt(0, fits)) break
    metrics.flowEditor300 = { zoom100: attempts, fitView: fits }
    const longest = (ms) => ms.map((m) => `${m.cpu.cpuMax} ms CPU (${m.maxLongTaskMs} ms wall)`).join(' / ')
    if (!process.env.IPCC_E2E_FIT_ONLY) target(attempts.some(ok), 'flow editor, 300 nodes at 100% zoom: no main-thread task over 50 ms (CPU) while dragging', `longest task ${longest(attempts)}`)
    target(fits.some(ok), 'flow editor, 300 nodes in view (fit view): no main-thread task over 50 ms (CPU) while dragging', `longest task ${longest(fits)}`)
  })
}

// bigFlow is a valid flow of n nodes: menus whose keys fan out to plays
// that come back, on a grid.
export function bigFlow(id, n) {
  const nodes = []
  const layout = {}
  const menus = Math.floor((n - 1) / 3)
  for (let i = 0; i < menus; i++) {
    const next = i + 1 < menus ? `m${i + 1}` : 'end'
    nodes.push({ id: `m${i}`, type: 'menu', prompt: [{ tts: { 'zh-CN': `菜单 ${i}`, en: `Menu ${i}` } }], options: { 1: `a${i}`, 2: `b${i}`, 9: next }, fallback: 'end' })
    nodes.push({ id: `a${i}`, type: 'play', prompt: [{ tts: { 'zh-CN': `选项 A ${i}`, en: `Option A ${i}` } }], next })
    nodes.push({ id: `b${i}`, type: 'play', prompt: [{ tts: { 'zh-CN': `选项 B ${i}`, en: `Option B ${i}` } }], next })
  }
  while (nodes.length < n - 1) nodes.push({ id: `x${nodes.length}`, type: 'goto', next: 'end' })
  nodes.push({ id: 'end', type: 'hangup' })
  nodes.forEach((nd, i) => (layout[nd.id] = { x: (i % 15) * 260, y: Math.floor(i / 15) * 170 }))
  return { id, name: `${n} nodes`, start: 'm0', nodes, layout }
}

async function perfBigFlow(browser, base, adminTok, adminUser, zoom) {
  const id = 'perf-300'
  const doc = bigFlow(id, 300)
  const put = await fetch(`${base}/api/v1/flows/import`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminTok}` },
    body: JSON.stringify({ document: JSON.stringify(doc) }),
  })
  if (!put.ok) throw new Error(`import 300-node flow: ${put.status} ${await put.text()}`)
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  await ctx.addInitScript(
    ([token, user]) => {
      sessionStorage.setItem('ipcc.session', JSON.stringify({ token, expires_at: new Date(Date.now() + 3600e3).toISOString(), session_expires_at: new Date(Date.now() + 3600e3).toISOString(), user: { id: user, username: user, role: 'admin', tenant: 'default' } }))
      localStorage.setItem('ipcc.lang', 'en')
      window.__longTasks = []
      window.__longTaskAt = []
      new PerformanceObserver((l) =>
        l.getEntries().forEach((e) => {
          window.__longTasks.push(e.duration)
          window.__longTaskAt.push([e.startTime, e.duration])
        }),
      ).observe({ type: 'longtask', buffered: false })
    },
    [adminTok, adminUser],
  )
  const page = await ctx.newPage()
  const t0 = Date.now()
  await page.goto(`${base}/admin/flows/${id}`)
  await page.locator('.react-flow__node[data-id="m0"]').waitFor()
  await page.locator('.react-flow__node').nth(299).waitFor({ state: 'attached' })
  const openMs = Date.now() - t0
  await page.waitForTimeout(1500)
  if (zoom) {
    // Zoom to 100% around node m50 (the controls' zoom-in button, then
    // the pane centred on the node, as an admin scrolling to it would).
    const m50 = await page.locator('.react-flow__node[data-id="m50"]').boundingBox()
    await page.mouse.move(m50.x + m50.width / 2, m50.y + m50.height / 2)
    for (let i = 0; i < 40 && (await page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector('.react-flow__viewport').style.transform)?.[1] ?? 1))) < 0.95; i++) {
      await page.mouse.wheel(0, -100)
      await page.waitForTimeout(50)
    }
    await page.waitForTimeout(800)
  }
  const count = await page.locator('.react-flow__node').count()
  const drawn = await page.locator('.react-flow__node').count()
  // Drag a node in the middle of the view around for a few seconds at the
  // zoom the editor opens with (the whole flow in view).
  // The same page left alone for 3 s first: what the machine does to it
  // with no input (a loaded CI machine shows up here).
  await page.evaluate(() => (window.__longTasks = []))
  await page.waitForTimeout(3000)
  const idle = await page.evaluate(() => window.__longTasks)
  await page.evaluate(() => (window.__longTasks = []))
  let cdp
  if (process.env.IPCC_E2E_PROFILE) {
    cdp = await ctx.newCDPSession(page)
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.start')
  }
  // A Chrome trace of the drags gives each main-thread task's thread (CPU)
  // time besides its wall time: on a loaded machine a task's wall time
  // includes the time the OS gave the CPU to other processes, its thread
  // time does not.
  // IPCC_E2E_INVALIDATION=1 also records why the browser restyles: which
  // elements each style recalculation was for and what invalidated them.
  const invCats = process.env.IPCC_E2E_INVALIDATION ? ['disabled-by-default-devtools.timeline.invalidationTracking'] : []
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', ...invCats] })
  // The node dragged is in the middle of the view: m50 at 100% zoom (the
  // view is centred on it), m52 (column 6 of 15, row 10 of 20) in the fit
  // view. Each drag grabs the node where the last one left it, and goes
  // down and back up in turn, so the pointer stays inside the canvas (near
  // its edge the canvas would pan, which is measured by no one here).
  const target = page.locator(`.react-flow__node[data-id="${zoom ? 'm50' : 'm52'}"] .flow-node-id`)
  let moves = 0
  const t1 = Date.now()
  // When each press and release happened (page clock), to tell the tasks
  // of a drag's start and end from those of its moves.
  const marks = []
  await page.evaluate(() => (window.__longTaskAt = []))
  // IPCC_E2E_MUTATIONS=1 counts the elements added to the page during the
  // drags, by parent and class (for diagnosis).
  if (process.env.IPCC_E2E_MUTATIONS) {
    await page.evaluate(() => {
      window.__added = {}
      const name = (n) => `${n.nodeName}.${String(n.className?.baseVal ?? n.className ?? '').split(' ').slice(0, 2).join('.')}`
      window.__addedNodes = []
      new MutationObserver((rs) => rs.forEach((r) => r.addedNodes.forEach((n) => n.nodeType === 1 && (n.dataset?.id && window.__addedNodes.push([Math.round(performance.now()), n.dataset.id])) !== 0 && (window.__added[`${name(r.target)} > ${name(n)}`] = (window.__added[`${name(r.target)} > ${name(n)}`] ?? 0) + 1 + n.querySelectorAll('*').length)))).observe(document.body, { childList: true, subtree: true })
    })
  }
  for (let round = 0; round < 3; round++) {
    const b = await target.boundingBox()
    const [dx, dy] = round % 2 ? [-200, -2] : [200, 2]
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2)
    if (process.env.IPCC_E2E_MUTATIONS) console.log('  viewport before the drag:', await page.evaluate(() => document.querySelector('.react-flow__viewport').style.transform), JSON.stringify(b), JSON.stringify(await page.locator('.react-flow__pane').boundingBox()))
    marks.push(['down', await page.evaluate(() => (performance.mark('drag-down'), performance.now()))])
    await page.mouse.down()
    for (let i = 1; i <= 60; i++) {
      await page.mouse.move(b.x + b.width / 2 + Math.sin(i / 6) * dx, b.y + b.height / 2 + i * dy)
      moves++
      await page.waitForTimeout(16)
    }
    // The minimap is hidden while a node is dragged and back after.
    if (round === 0 && (await page.locator('.react-flow__minimap').isVisible())) throw new Error('the minimap is drawn during a drag')
    marks.push(['up', await page.evaluate(() => (performance.mark('drag-up'), performance.now()))])
    await page.mouse.up()
    await page.waitForTimeout(300)
  }
  const seconds = Math.round((Date.now() - t1) / 100) / 10
  if (!(await page.locator('.react-flow__minimap').isVisible())) throw new Error('the minimap is not drawn after the drags')
  const traceBuf = await browser.stopTracing()
  if (process.env.IPCC_E2E_MUTATIONS) console.log('  elements added during the drags (count, parent > element):', await page.evaluate(() => JSON.stringify(Object.entries(window.__added).sort((a, b) => b[1] - a[1]).slice(0, 15))), await page.evaluate(() => JSON.stringify(window.__addedNodes)), JSON.stringify(marks.map(([k, t]) => [k, Math.round(t)])))
  const cpu = traceTasks(traceBuf)
  if (process.env.IPCC_E2E_INVALIDATION) styleCauses(traceBuf)
  if (process.env.IPCC_E2E_TRACE_DIR) (await import('node:fs')).writeFileSync(`${process.env.IPCC_E2E_TRACE_DIR}/flow-drag-${zoom ? 'zoom100' : 'fit'}-${Date.now()}.json`, traceBuf)
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop')
    const self = new Map()
    const dt = profile.timeDeltas
    const byId = new Map(profile.nodes.map((n) => [n.id, n]))
    profile.samples.forEach((id, i) => {
      const n = byId.get(id)
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`
      self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0) / 1000)
    })
    console.log([...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `  ${v.toFixed(0)} ms ${k}`).join('\n'))
    // The longest task's JavaScript: the samples inside it (the profile
    // and the trace share the clock), by function, self and total time.
    if (cpu.longestAt) {
      const parent = new Map()
      for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
      const selfIn = new Map()
      const totalIn = new Map()
      let t = profile.startTime
      profile.samples.forEach((id, i) => {
        t += dt[i] ?? 0
        if (t < cpu.longestAt[0] || t > cpu.longestAt[0] + cpu.longestAt[1]) return
        const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`
        const ms = (dt[i + 1] ?? dt[i] ?? 0) / 1000
        selfIn.set(name(byId.get(id)), (selfIn.get(name(byId.get(id))) ?? 0) + ms)
        const seen = new Set()
        for (let x = id; x !== undefined; x = parent.get(x)) {
          const k = name(byId.get(x))
          if (seen.has(k)) continue
          seen.add(k)
          totalIn.set(k, (totalIn.get(k) ?? 0) + ms)
        }
      })
      const top = (m, n) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `    ${v.toFixed(1)} ms ${k}`).join('\n')
      console.log(`  in the longest task, self:\n${top(selfIn, 25)}\n  total:\n${top(totalIn, 60)}`)
    }
  }
  const longTasks = await page.evaluate(() => window.__longTasks)
  // phases: a task starting within 300 ms of a press is the drag's start
  // (selection), from a release to the next press its end (commit, save,
  // validation), anything else a move.
  const phases = { start: [], move: [], end: [] }
  for (const [at, d] of await page.evaluate(() => window.__longTaskAt)) {
    const last = marks.filter(([, t]) => t <= at).pop()
    const ph = !last ? 'start' : last[0] === 'up' ? 'end' : at - last[1] < 300 ? 'start' : 'move'
    phases[ph].push(Math.round(d))
  }
  console.log(`       long tasks by phase (ms): drag start ${JSON.stringify(phases.start)}, moves ${JSON.stringify(phases.move)}, drag end ${JSON.stringify(phases.end)}`)
  console.log(`       trace of the drags, main thread: ${cpu.tasks} tasks; over 50 ms of wall time ${cpu.wallOver50} (max ${cpu.wallMax} ms), over 50 ms of thread (CPU) time ${cpu.cpuOver50} (max ${cpu.cpuMax} ms, next ${cpu.cpuNext.join(', ')} ms); CPU ms by kind: ${JSON.stringify(cpu.byKind)}; the longest ${cpu.longestPhase}, in it (ms, nested events counted in each): ${cpu.longestParts}`)
  await ctx.close()
  return { nodes: 300, drawn, moves, seconds, view: zoom ? 'zoom 100%' : 'fit view', openMs, longTasks: longTasks.length, maxLongTaskMs: Math.round(Math.max(0, ...longTasks)), idleLongTasks: idle.length, idleMaxMs: Math.round(Math.max(0, ...idle)), cpu }
}

// traceTasks reads a Chrome trace: the renderer main thread that worked
// most (the editor's page), its top-level tasks' wall and thread times,
// and the thread time of style, layout, paint and script work in them.
function traceTasks(buf) {
  const parsed = JSON.parse(buf.toString())
  const evs = Array.isArray(parsed) ? parsed : parsed.traceEvents
  const mains = new Set(evs.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}/${e.tid}`))
  const busy = new Map()
  const top = evs.filter((e) => e.ph === 'X' && mains.has(`${e.pid}/${e.tid}`) && /toplevel/.test(e.cat) && /RunTask/.test(e.name))
  for (const e of top) busy.set(`${e.pid}/${e.tid}`, (busy.get(`${e.pid}/${e.tid}`) ?? 0) + (e.tdur ?? e.dur ?? 0))
  const main = [...busy.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
  const tasks = top.filter((e) => `${e.pid}/${e.tid}` === main)
  const kinds = { style: ['UpdateLayoutTree'], layout: ['Layout'], prePaint: ['PrePaint'], paint: ['Paint'], layerize: ['Layerize', 'UpdateLayer', 'UpdateLayerTree'], hitTest: ['HitTest'], script: ['FunctionCall', 'TimerFire', 'FireAnimationFrame', 'EventDispatch'] }
  const byKind = {}
  for (const [k, names] of Object.entries(kinds)) {
    const ms = evs.filter((e) => e.ph === 'X' && `${e.pid}/${e.tid}` === main && names.includes(e.name)).reduce((a, e) => a + (e.tdur ?? e.dur ?? 0), 0) / 1000
    byKind[k] = Math.round(ms)
  }
  // What the longest task (by thread time) spent its time on.
  const longest = [...tasks].sort((a, b) => (b.tdur ?? b.dur ?? 0) - (a.tdur ?? a.dur ?? 0))[0]
  const inLongest = {}
  if (longest) {
    for (const e of evs) {
      if (e.ph !== 'X' || `${e.pid}/${e.tid}` !== main || e === longest || e.ts < longest.ts || e.ts + (e.dur ?? 0) > longest.ts + longest.dur) continue
      inLongest[e.name] = (inLongest[e.name] ?? 0) + (e.tdur ?? e.dur ?? 0) / 1000
      const d = e.args?.data
      if (d && (e.name === 'FunctionCall' || e.name === 'EventDispatch' || e.name === 'TimerFire')) {
        const k = `${e.name}(${d.type ?? d.functionName ?? ''}${d.url ? ' ' + d.url.split('/').pop() + ':' + d.lineNumber : ''})`
        inLongest[k] = (inLongest[k] ?? 0) + (e.tdur ?? e.dur ?? 0) / 1000
      }
    }
  }
  // Its phase, from the marks the journey put at each press and release.
  const userMarks = evs.filter((e) => /drag-(down|up)/.test(e.name) && e.ts !== undefined).sort((a, b) => a.ts - b.ts)
  let longestPhase = '?'
  if (longest && userMarks.length) {
    const last = userMarks.filter((m) => m.ts <= longest.ts).pop()
    longestPhase = !last ? 'before the first press' : /up/.test(last.name) ? `${Math.round((longest.ts - last.ts) / 1000)} ms after a release` : `${Math.round((longest.ts - last.ts) / 1000)} ms after a press`
  }
  const longestParts = Object.entries(inLongest).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')
  const cpu = tasks.map((e) => (e.tdur ?? e.dur ?? 0) / 1000).sort((a, b) => b - a)
  const wall = tasks.map((e) => (e.dur ?? 0) / 1000)
  return {
    tasks: tasks.length,
    wallOver50: wall.filter((d) => d > 50).length,
    wallMax: Math.round(Math.max(0, ...wall)),
    cpuOver50: cpu.filter((d) => d > 50).length,
    cpuMax: Math.round(cpu[0] ?? 0),
    cpuNext: cpu.slice(1, 4).map((d) => Math.round(d)),
    byKind,
    longestParts,
    longestPhase,
    longestAt: longest ? [longest.ts, longest.dur] : undefined,
  }
}

// styleCauses prints, from a trace with invalidation tracking, the style
// recalculations of the page's main thread that took longest (CPU ms,
// elements restyled) and, for all of them together, what invalidated the
// elements: the kind of change and the element it was made on.
function styleCauses(buf) {
  const parsed = JSON.parse(buf.toString())
  const evs = Array.isArray(parsed) ? parsed : parsed.traceEvents
  const recalcs = evs.filter((e) => e.ph === 'X' && e.name === 'UpdateLayoutTree').sort((a, b) => (b.tdur ?? b.dur ?? 0) - (a.tdur ?? a.dur ?? 0))
  console.log('  longest style recalculations (CPU ms, elements):', recalcs.slice(0, 12).map((e) => `${Math.round((e.tdur ?? e.dur) / 1000)}/${e.args?.elementCount ?? '?'}`).join(' '))
  const hist = {}
  for (const e of recalcs) {
    const n = e.args?.elementCount ?? 0
    const b = n < 10 ? '<10' : n < 100 ? '<100' : n < 1000 ? '<1000' : '>=1000'
    hist[b] = (hist[b] ?? 0) + 1
  }
  console.log('  style recalculations by elements restyled:', JSON.stringify(hist))
  const inv = new Map()
  for (const e of evs) {
    if (!/InvalidationTracking/.test(e.name)) continue
    const d = e.args?.data ?? {}
    const k = `${e.name.replace('InvalidationTracking', '')} ${d.reason ?? ''} ${d.nodeName ?? ''} ${d.changedClass ?? d.changedId ?? d.changedAttribute ?? d.changedPseudo ?? d.extraData ?? ''} ${(d.invalidationList ?? []).map((x) => JSON.stringify(x.classes ?? x.id ?? x.tagNames ?? x)).join(',').slice(0, 120)}`
    inv.set(k, (inv.get(k) ?? 0) + 1)
  }
  console.log('  invalidations (count, kind, reason, element, change):\n' + [...inv.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `    ${v} ${k}`).join('\n'))
}
