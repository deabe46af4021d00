import { describe, expect, it } from 'vitest'
import { callbackState, sortCallbacks, zonedToISO } from './callbacks'

const now = Date.parse('2026-03-01T09:00:00Z')
const cb = (id: string, extra: Record<string, unknown>) => ({ id, requested_at: '2026-03-01T07:00:00Z', priority: 0, ...extra })

describe('scheduled call-backs on the desktop', () => {
  it('tells requests, scheduled, due and overdue apart', () => {
    expect(callbackState(cb('r', {}), now)).toBe('request')
    expect(callbackState(cb('s', { due_at: '2026-03-01T10:00:00Z' }), now)).toBe('scheduled')
    expect(callbackState(cb('d', { due_at: '2026-03-01T08:50:00Z', owner_until: '2026-03-01T09:05:00Z' }), now)).toBe('due')
    expect(callbackState(cb('o', { due_at: '2026-03-01T08:30:00Z', owner_until: '2026-03-01T08:45:00Z' }), now)).toBe('overdue')
    // A queue-owned one is overdue after the same grace period.
    expect(callbackState(cb('q', { due_at: '2026-03-01T08:44:00Z' }), now)).toBe('overdue')
    expect(callbackState(cb('q2', { due_at: '2026-03-01T08:46:00Z' }), now)).toBe('due')
  })

  it('lists due and overdue first, then requests by priority, then later ones', () => {
    const list = [
      cb('later2', { due_at: '2026-03-02T09:00:00Z' }),
      cb('later1', { due_at: '2026-03-01T12:00:00Z' }),
      cb('req-old', { requested_at: '2026-03-01T06:00:00Z' }),
      cb('req-urgent', { priority: 5 }),
      cb('due', { due_at: '2026-03-01T08:55:00Z' }),
      cb('overdue', { due_at: '2026-03-01T08:00:00Z' }),
    ]
    expect(sortCallbacks(list, now).map((c) => c.id)).toEqual(['overdue', 'due', 'req-urgent', 'req-old', 'later1', 'later2'])
  })

  it('reads the due time in the tenant time zone', () => {
    expect(zonedToISO('2026-03-01T17:30', 'Asia/Shanghai')).toBe('2026-03-01T09:30:00.000Z')
    expect(zonedToISO('2026-07-01T09:00', 'Europe/London')).toBe('2026-07-01T08:00:00.000Z')
    expect(zonedToISO('2026-03-01T09:00', 'UTC')).toBe('2026-03-01T09:00:00.000Z')
    expect(zonedToISO('tomorrow', 'UTC')).toBe('')
  })
})
