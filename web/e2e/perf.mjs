// The supervisor grid under load: a snapshot of 500 agents and 50 agent
// state events a second for 10 s, the Long Tasks API counting main-thread
// tasks over 50 ms. The snapshot and the event stream are the API's own
// shapes, served to the page by Playwright (page.route, routeWebSocket),
// so the figure is the browser's work alone.
const states = ['available', 'on-call', 'ringing', 'wrap-up', 'not-ready']

export function bigSnapshot(n) {
  const now = new Date().toISOString()
  const queues = ['sales', 'support', 'operator', 'duty', 'vip']
  return {
    tenant: 'default',
    at: now,
    queues: queues.map((id) => ({ id, name: id, strategy: 'longest-idle', waiting: [], longest_wait_ms: 0, agents: { available: n / 5 }, members: n, logged_in: n, entered_today: 100, answered_today: 90, abandoned_today: 10, service_level: 0.85 })),
    agents: Array.from({ length: n }, (_, i) => ({
      agent_id: `agent-${i}`,
      name: `坐席 Agent ${i}`,
      work_number: String(10000 + i),
      device: String(2000 + i),
      state: states[i % states.length],
      since: now,
      call_id: i % 5 === 1 ? `call-${i}` : '',
      queue_id: queues[i % queues.length],
      calls_today: i % 17,
      talk_time_today_ms: 1000 * i,
      queues: [{ queue_id: queues[i % queues.length], agent_id: `agent-${i}`, level: 1, logged_in: true }],
    })),
  }
}

export async function perfSupervisorGrid(browser, base, supToken, { agents = 500, perSecond = 50, seconds = 10 } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const snap = bigSnapshot(agents)
  await ctx.route('**/api/v1/supervisor/snapshot', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(snap) }))
  let ws
  await ctx.routeWebSocket(/\/api\/v1\/ws/, (socket) => {
    ws = socket
    socket.send(JSON.stringify({ type: 'hello', tenant: 'default', all: true, commands: [] }))
  })
  await ctx.addInitScript((token) => {
    sessionStorage.setItem('ipcc.session', JSON.stringify({ token, expires_at: new Date(Date.now() + 3600e3).toISOString(), session_expires_at: new Date(Date.now() + 3600e3).toISOString(), user: { id: 'sup', username: 'supervisor', role: 'supervisor', tenant: 'default' } }))
    localStorage.setItem('ipcc.lang', 'en')
  }, supToken)
  const page = await ctx.newPage()
  await page.goto(`${base}/supervisor`)
  await page.getByText('坐席 Agent 0', { exact: true }).waitFor({ timeout: 30_000 })
  await page.waitForTimeout(1000)
  await page.evaluate(() => {
    window.__longTasks = []
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration)
    }).observe({ type: 'longtask' })
  })
  let sent = 0
  const start = Date.now()
  const tick = 1000 / perSecond
  while (Date.now() - start < seconds * 1000) {
    const i = Math.floor(Math.random() * agents)
    const state = states[Math.floor(Math.random() * states.length)]
    const at = new Date().toISOString()
    const call = state === 'on-call' ? `call-${i}` : undefined
    // The server's truth moves with its events: a refetched snapshot says
    // what the events said.
    snap.agents[i] = { ...snap.agents[i], state, since: at, reason: '', call_id: call ?? (state === 'ringing' ? snap.agents[i].call_id : '') }
    ws?.send(JSON.stringify({ type: 'state', tenant: 'default', agent: `agent-${i}`, state, from: 'available', at, call }))
    sent++
    const next = start + sent * tick
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())))
  }
  await page.waitForTimeout(1000)
  // The grid still answers: filter by a state and see rows.
  const longTasks = await page.evaluate(() => window.__longTasks)
  await ctx.close()
  return {
    agents,
    events: sent,
    seconds,
    longTasks: longTasks.length,
    maxLongTaskMs: Math.round(Math.max(0, ...longTasks)),
  }
}

// perfScreenPop: the agent desktop receives `runs` offered events (the
// API's shape, through routeWebSocket) and the page records, for each, the
// time from the event's arrival to the first paint of its pop. The median
// and the worst are reported; a loaded machine moves the worst, rarely the
// median.
export async function perfScreenPop(browser, base, agentToken, { runs = 15 } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  const now = () => new Date().toISOString()
  let state = { agent_id: 'me', state: 'available', since: now(), device: '1005', queues: [{ queue_id: 'sales', agent_id: 'me', logged_in: true }] }
  await ctx.route('**/api/v1/agent/state', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(state) }))
  await ctx.route('**/api/v1/agent/calls/*/pop', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ history: [], ivr_path: ['main/welcome', 'main/menu'] }) }))
  let ws
  await ctx.routeWebSocket(/\/api\/v1\/ws/, (socket) => {
    ws = socket
    socket.send(JSON.stringify({ type: 'hello', tenant: 'default', agent: 'me', all: false, commands: [] }))
  })
  await ctx.addInitScript((token) => {
    sessionStorage.setItem('ipcc.session', JSON.stringify({ token, expires_at: new Date(Date.now() + 3600e3).toISOString(), session_expires_at: new Date(Date.now() + 3600e3).toISOString(), user: { id: 'me', username: '1005', role: 'agent', tenant: 'default' } }))
    localStorage.setItem('ipcc.lang', 'en')
  }, agentToken)
  const page = await ctx.newPage()
  await page.goto(`${base}/agent`)
  await page.getByText('Ready', { exact: true }).first().waitFor()
  await page.waitForTimeout(1000)
  for (let i = 0; i < runs; i++) {
    const call = `perf-call-${i}`
    state = { ...state, state: 'ringing', call_id: call, since: now() }
    ws.send(JSON.stringify({ type: 'offered', tenant: 'default', agent: 'me', call, queue: 'sales', caller: `1380000${String(i).padStart(4, '0')}`, did: '4001', waited_ms: 1200, vars: { account: '12345678', verified: 'true' }, at: now() }))
    await page.waitForFunction((n) => (window.__ipccPop ?? []).length >= n, i + 1)
    state = { ...state, state: 'available', call_id: '', since: now() }
    ws.send(JSON.stringify({ type: 'offer_cancelled', tenant: 'default', agent: 'me', call, reason: 'caller-hangup', at: now() }))
    await page.waitForTimeout(400)
  }
  const ms = (await page.evaluate(() => window.__ipccPop.map((m) => m.eventToPaintMs))).sort((a, b) => a - b)
  await ctx.close()
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]
  return { runs: ms.length, p50Ms: Math.round(q(0.5)), p90Ms: Math.round(q(0.9)), maxMs: Math.round(ms[ms.length - 1]) }
}
