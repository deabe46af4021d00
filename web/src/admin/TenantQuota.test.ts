import { describe, expect, it } from 'vitest'
import { fmtBytes, usageRows } from './TenantQuota'

describe('tenant quota usage', () => {
  it('pairs each figure with its limit and marks the reached ones', () => {
    const rows = usageRows({
      agents_signed_in: 5, calls: 3, web_calls: 1, cps: 0, flows: 2, recording_bytes: 2048,
      quota: { max_agents: 5, max_calls: 10, max_web_calls: 0, max_cps: 0, max_flows: 2, max_recording_bytes: 1024 },
    })
    const by = Object.fromEntries(rows.map((r) => [r.key, r]))
    expect(by.agents).toMatchObject({ used: 5, max: 5, full: true })
    expect(by.calls).toMatchObject({ used: 3, max: 10, full: false })
    expect(by.webCalls).toMatchObject({ used: 1, max: 0, full: false }) // 0 is unlimited: never full
    expect(by.flows.full).toBe(true)
    expect(by.storage).toMatchObject({ used: 2048, max: 1024, full: true, bytes: true })
  })
  it('reads a tenant without a quota as unlimited', () => {
    expect(usageRows({}).every((r) => r.max === 0 && !r.full)).toBe(true)
  })
  it('renders bytes with binary units', () => {
    expect(fmtBytes(512)).toBe('512 B')
    expect(fmtBytes(1536)).toBe('1.5 KiB')
    expect(fmtBytes(5 * 1024 ** 3)).toBe('5.0 GiB')
  })
})
