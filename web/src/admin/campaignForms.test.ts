import { describe, expect, it } from 'vitest'
import { campaignBody, campaignToForm, progressDone } from './campaignForms'

describe('campaign form', () => {
  it('a loaded campaign saved unchanged keeps every setting, the unedited ones included', () => {
    const c = {
      id: 'spring',
      name: 'Spring sale',
      type: 'predictive',
      status: 'paused',
      settings: {
        queue_id: 'sales',
        compliance: 'uk',
        abandon_cap_pct: 2,
        max_attempts: 5,
        mask_numbers: true,
        window: { timezone: 'Asia/Shanghai' },
        retry: { busy: { retry: true, delay_ms: 600000 } },
        dispositions: [{ code: 'sold', final: true }],
      },
    }
    const f = campaignToForm(c)
    expect(f.settings?.mask_numbers).toBe(true)
    expect(f.settings).not.toHaveProperty('window')
    expect(campaignBody(f, c)).toEqual({ id: 'spring', name: 'Spring sale', type: 'predictive', settings: c.settings })
  })

  it('cleared fields are sent as absent, so the API applies its defaults', () => {
    const c = { id: 'x', name: 'X', type: 'progressive', settings: { queue_id: 'q', timezone: 'Europe/London', max_attempts: 4, script: [{ id: 'q1', text: 'Ok?' }] } }
    const f = campaignToForm(c)
    const b = campaignBody({ ...f, name: ' X2 ', settings: { ...f.settings, timezone: ' ', max_attempts: null as unknown as number } }, c)
    expect(b.name).toBe('X2')
    expect(b.settings).toEqual({ queue_id: 'q', mask_numbers: false, script: [{ id: 'q1', text: 'Ok?' }] })
  })

  it('a new campaign sends only what the form holds', () => {
    expect(campaignBody({ id: '', name: 'N', type: 'preview', settings: { queue_id: 'sales', max_attempts: 3 } })).toEqual({ name: 'N', type: 'preview', settings: { queue_id: 'sales', max_attempts: 3 } })
  })

  it('settings the form does not show keep their loaded value', () => {
    const c = { id: 'p', type: 'predictive', settings: { queue_id: 'q', compliance: 'us', abandon_cap_pct: 2 } }
    const { compliance, abandon_cap_pct, ...shown } = campaignToForm(c).settings ?? {}
    void compliance
    void abandon_cap_pct
    expect(campaignBody({ type: 'predictive', settings: shown }, c).settings).toEqual({ queue_id: 'q', compliance: 'us', abandon_cap_pct: 2, mask_numbers: false })
  })

  it('progress counts leads no longer pending, dialing or previewed', () => {
    expect(progressDone({ leads: 10, by_status: { pending: 3, dialing: 1, preview: 1, done: 4, dnc: 1 } })).toEqual({ done: 5, total: 10 })
    expect(progressDone({})).toEqual({ done: 0, total: 0 })
  })
})
