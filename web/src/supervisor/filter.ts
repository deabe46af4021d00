import type { AgentSnapshot } from '../lib/api'

export type AgentFilter = { queue?: string; group?: string; state?: string; search?: string }

// filterAgents is what the supervisor's agent grid shows: agents signed in
// to the queue, in the group (班组), in the state, whose name or work
// number holds the search text (each filter optional).
export function filterAgents(agents: AgentSnapshot[], f: AgentFilter): AgentSnapshot[] {
  const s = (f.search ?? '').trim().toLowerCase()
  return agents
    .filter((a) => !f.queue || (a.queues ?? []).some((q) => q.queue_id === f.queue && q.logged_in))
    .filter((a) => !f.group || (a.group ?? '') === f.group)
    .filter((a) => !f.state || a.state === f.state)
    .filter((a) => !s || (a.name ?? '').toLowerCase().includes(s) || (a.work_number ?? '').includes(s))
}

// agentGroups lists the groups the agents are in, sorted (for the filter).
export function agentGroups(agents: AgentSnapshot[]): string[] {
  return [...new Set(agents.map((a) => a.group ?? '').filter(Boolean))].sort((a, b) => a.localeCompare(b))
}
