import { describe, expect, it } from 'vitest'
import { defaultBlockedPrefixes, poolBody, routeBody, routeToForm, settingsBody, settingsToForm, trunkBody } from './outboundForms'

describe('outbound forms', () => {
  it('trunk: the enabled switch is the API\'s disabled, empty strings are absent', () => {
    expect(trunkBody({ id: ' cmcc ', gateway: 'cmcc-sip', switch: '', channels: 60, cps: 0, enabled: false })).toEqual({ id: 'cmcc', gateway: 'cmcc-sip', channels: 60, cps: 0, disabled: true })
    expect(trunkBody({ id: 'x', gateway: 'g', enabled: true }).disabled).toBe(false)
  })

  it('route: a loaded route saved unchanged is the same route', () => {
    const r = { id: 'mobiles', name: 'Mobiles', priority: 10, match: { types: ['mobile'], prefixes: ['+86755'], schedule_id: 'work' }, rewrite: { format: 'e164', strip: '+86', prepend: '9' }, trunks: ['cmcc', 'unicom'], caller_id_pool: 'local', failover_causes: ['GATEWAY_DOWN'], disabled: true }
    const f = routeToForm(r)
    expect(f.enabled).toBe(false)
    expect(routeBody(f)).toEqual(r)
  })

  it('route: empty match lists and the national format are sent as absent; trunk order and blanks are kept', () => {
    const f = routeToForm({ priority: 100 })
    expect(f.rewrite?.format).toBe('national')
    const b = routeBody({ ...f, id: 'all', trunks: ['b', '', 'a'], match: { ...f.match, prefixes: [' ', '138'] } })
    expect(b.match).toEqual({ prefixes: ['138'] })
    expect(b.rewrite).toBeUndefined()
    expect(b.failover_causes).toBeUndefined()
    expect(b.trunks).toEqual(['b', '', 'a'])
    expect(b.disabled).toBe(false)
  })

  it('pool: trailing empty rows are dropped, inner ones keep their index', () => {
    const b = poolBody({ id: 'local', numbers: [{ number: '075588880001' }, { number: '' }, { number: '13900000004', area: '020' }, {}, { number: ' ' }] })
    expect(b.numbers).toEqual([{ number: '075588880001' }, { number: '' }, { number: '13900000004', area: '020' }])
    expect(b.local_presence).toBe(true)
    expect(poolBody({ id: 'p', local_presence: false, numbers: [] }).local_presence).toBe(false)
  })

  it('settings: defaults shown when absent, sent back as absent; an emptied block list is []', () => {
    const f = settingsToForm({})
    expect(f.allowed_types).toEqual(['mobile', 'landline', 'service'])
    expect(f.blocked_prefixes).toEqual(defaultBlockedPrefixes)
    expect(settingsBody(f).blocked_prefixes).toBeUndefined()
    expect(settingsBody({ ...f, blocked_prefixes: [] }).blocked_prefixes).toEqual([])
    expect(settingsBody({ ...f, blocked_prefixes: ['+882'], max_cps: 20, caller_id_pool: '' })).toEqual({ allowed_types: ['mobile', 'landline', 'service'], blocked_prefixes: ['+882'], max_concurrent: 0, max_cps: 20 })
    expect(settingsToForm({ blocked_prefixes: [] }).blocked_prefixes).toEqual([])
  })
})
