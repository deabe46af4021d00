import type { AgentSnapshot, QueueSnapshot } from '../lib/api'

export type Alert = { key: string; kind: 'sl' | 'wait' | 'noAnswer' | 'hold' | 'quota'; queue?: string; agent?: string; value?: number; target?: number; at: number; limit?: string; message?: string }

export const alertRules = { serviceLevelTarget: 0.8, longWaitMs: 60_000, longHoldMs: 60_000 }

// queueAlerts: service level under target (once the queue had calls today)
// and a caller waiting longer than the limit.
export function queueAlerts(queues: QueueSnapshot[], now: number, rules = alertRules): Alert[] {
  const out: Alert[] = []
  for (const q of queues) {
    const handled = (q.answered_today ?? 0) + (q.abandoned_today ?? 0)
    if (handled > 0 && (q.service_level ?? 1) < rules.serviceLevelTarget) {
      out.push({ key: `sl:${q.id}`, kind: 'sl', queue: q.name || q.id, value: q.service_level, target: rules.serviceLevelTarget, at: now })
    }
    if ((q.longest_wait_ms ?? 0) > rules.longWaitMs) {
      out.push({ key: `wait:${q.id}`, kind: 'wait', queue: q.name || q.id, value: q.longest_wait_ms, at: now })
    }
  }
  return out
}

// holdAlerts: callers held longer than the limit (held since, by agent).
export function holdAlerts(holds: Map<string, { since: number; name: string }>, now: number, rules = alertRules): Alert[] {
  const out: Alert[] = []
  for (const [agent, h] of holds) {
    if (now - h.since > rules.longHoldMs) out.push({ key: `hold:${agent}`, kind: 'hold', agent: h.name, value: now - h.since, at: now })
  }
  return out
}

// seedHolds adds the holds a snapshot reports (held_since) that the console
// has not seen as events (opened or reloaded mid-hold). seen remembers which
// held_since was taken per agent, so a stale snapshot does not bring back a
// hold an unheld event ended.
export function seedHolds(holds: Map<string, { since: number; name: string }>, seen: Map<string, string>, agents: AgentSnapshot[]): void {
  for (const a of agents) {
    const id = a.agent_id ?? ''
    const at = a.held_since
    if (!id || !at || seen.get(id) === at) continue
    seen.set(id, at)
    const since = Date.parse(at)
    if (!Number.isNaN(since) && !holds.has(id)) holds.set(id, { since, name: a.name || id })
  }
}
