// Agents' mobile numbers in the SMS settings (agent_numbers: user id →
// number), where a work order's SMS to its assignee is sent. The editor
// keeps rows (a row may be half filled while typed); the API checks and
// normalises the numbers and names a bad one as agent_numbers.<agent>.

export type AgentNumberRow = { agent: string; number: string }

// numberRows are the rows of a stored map, by agent id.
export function numberRows(m?: Record<string, string> | null): AgentNumberRow[] {
  return Object.entries(m ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agent, number]) => ({ agent, number }))
}

// numberMap is what is saved: rows left wholly empty are dropped; anything
// else goes to the API as typed, so that its message says what is wrong
// (an empty agent, a bad number).
export function numberMap(rows: AgentNumberRow[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const r of rows) {
    const number = r.number.trim()
    if (!r.agent && !number) continue
    out[r.agent] = number
  }
  return out
}

// rowOfError is the index of the row an API error field points at
// ("agent_numbers.1005" → that agent's row; "agent_numbers" → the first
// row without an agent), or -1.
export function rowOfError(rows: AgentNumberRow[], field?: string): number {
  if (field === 'agent_numbers') return rows.findIndex((r) => !r.agent)
  if (!field?.startsWith('agent_numbers.')) return -1
  const agent = field.slice('agent_numbers.'.length)
  return rows.findIndex((r) => r.agent === agent)
}
