import type { Schemas } from '../lib/api'

type Callback = Schemas['store.CallbackWork']

// The grace period after due_at during which an agent-owned call-back stays
// with its owner (api.CallbackGrace).
export const graceMs = 15 * 60_000

export type CallbackState = 'request' | 'scheduled' | 'due' | 'overdue'

// callbackState: a caller's request (no due time), scheduled for later, due
// (within the grace period) or overdue (past it).
export function callbackState(c: Callback, now: number): CallbackState {
  if (!c.due_at) return 'request'
  const due = Date.parse(c.due_at)
  if (due > now) return 'scheduled'
  const until = c.owner_until ? Date.parse(c.owner_until) : due + graceMs
  return now >= until ? 'overdue' : 'due'
}

const rank: Record<CallbackState, number> = { overdue: 0, due: 0, request: 1, scheduled: 2 }

// sortCallbacks orders the list as the server does: due and overdue first
// (the longest overdue first), then callers' requests (priority, oldest),
// then the call-backs due later (soonest first).
export function sortCallbacks(list: Callback[], now: number): Callback[] {
  return [...list].sort((a, b) => {
    const ra = rank[callbackState(a, now)]
    const rb = rank[callbackState(b, now)]
    if (ra !== rb) return ra - rb
    if ((b.priority ?? 0) !== (a.priority ?? 0)) return (b.priority ?? 0) - (a.priority ?? 0)
    const ta = Date.parse(a.due_at ?? a.requested_at ?? '')
    const tb = Date.parse(b.due_at ?? b.requested_at ?? '')
    return ta - tb
  })
}

// zonedToISO reads a wall-clock time "YYYY-MM-DDTHH:mm" in time zone tz and
// returns the instant as an ISO string ('' when unreadable).
export function zonedToISO(local: string, tz: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local)
  if (!m) return ''
  const asUTC = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])
  // Two passes: the zone's offset at the guess, then at the corrected time
  // (right across a daylight-saving change).
  let t = asUTC - offsetMs(asUTC, tz)
  t = asUTC - offsetMs(t, tz)
  return new Date(t).toISOString()
}

// offsetMs is tz's offset from UTC at instant t.
export function offsetMs(t: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz || 'UTC', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(t))
  const v = (k: string) => +(parts.find((p) => p.type === k)?.value ?? 0)
  const wall = Date.UTC(v('year'), v('month') - 1, v('day'), v('hour'), v('minute'), v('second'))
  return wall - Math.floor(t / 1000) * 1000
}
