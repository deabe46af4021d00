import { holdAlerts, queueAlerts } from './alerts'
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
