import { holdAlerts, queueAlerts, seedHolds } from './alerts'
import { foldEvents } from './useSnapshot'
import type { Snapshot } from '../lib/api'
import type { WsEvent } from '../lib/ws'

describe('queue alerts', () => {
  it.each([
    ['service level under target', { id: 'q', answered_today: 8, abandoned_today: 2, service_level: 0.6 }, ['sl']],
    ['no calls yet: no service level alert', { id: 'q', service_level: 0 }, []],
    ['a caller waiting long', { id: 'q', longest_wait_ms: 90_000 }, ['wait']],
    ['all fine', { id: 'q', answered_today: 10, service_level: 0.95, longest_wait_ms: 5_000 }, []],
  ])('%s', (_, q, kinds) => {
    expect(queueAlerts([q], 0).map((a) => a.kind)).toEqual(kinds)
  })
})

describe('foldEvents', () => {
  const snap: Snapshot = {
    agents: [
      { agent_id: 'a', state: 'available', since: 't0' },
      { agent_id: 'b', state: 'available', since: 't0' },
    ],
  }
  it('applies the latest state per agent and keeps the others as they were', () => {
    const evs = [
      { type: 'state', agent: 'a', state: 'ringing', at: 't1', call: 'c1' },
      { type: 'state', agent: 'a', state: 'on-call', at: 't2', call: 'c1' },
      { type: 'offered', agent: 'b', call: 'x' },
    ] as WsEvent[]
    const out = foldEvents(snap, evs)
    expect(out.agents![0]).toMatchObject({ state: 'on-call', since: 't2', call_id: 'c1' })
    expect(out.agents![1]).toBe(snap.agents![1])
  })
  it('returns the same snapshot when nothing applies', () => {
    expect(foldEvents(snap, [{ type: 'answered', agent: 'a' } as WsEvent])).toBe(snap)
  })
})

describe('hold alerts', () => {
  it('a caller held over a minute', () => {
    const holds = new Map([
      ['a', { since: 0, name: 'Ann' }],
      ['b', { since: 50_000, name: 'Bob' }],
    ])
    expect(holdAlerts(holds, 70_000).map((a) => a.agent)).toEqual(['Ann'])
  })
})

describe('seedHolds', () => {
  it('takes a hold from the snapshot once, and not again after its unheld event', () => {
    const holds = new Map<string, { since: number; name: string }>()
    const seen = new Map<string, string>()
    const at = '2026-12-05T10:00:00Z'
    const agents = [
      { agent_id: 'a1', name: 'Ann', held_since: at },
      { agent_id: 'a2', name: 'Bo' },
    ] as unknown as Parameters<typeof seedHolds>[2]
    seedHolds(holds, seen, agents)
    expect([...holds.keys()]).toEqual(['a1'])
    expect(holds.get('a1')?.since).toBe(Date.parse(at))
    // the unheld event removes it; the same (stale) snapshot does not bring it back
    holds.delete('a1')
    seedHolds(holds, seen, agents)
    expect(holds.size).toBe(0)
    // a new hold of the same agent is taken
    seedHolds(holds, seen, [{ agent_id: 'a1', name: 'Ann', held_since: '2026-12-05T10:05:00Z' }] as unknown as Parameters<typeof seedHolds>[2])
    expect(holds.get('a1')?.since).toBe(Date.parse('2026-12-05T10:05:00Z'))
  })
})
