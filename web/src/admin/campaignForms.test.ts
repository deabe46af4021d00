import { describe, expect, it } from 'vitest'
import { campaignBody, campaignToForm, decisionCodes, defaultRetry, progressDone, reportQuery, tabOf } from './campaignForms'

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
        ratio: 1.5,
        window: { timezone: 'Asia/Shanghai' },
        retry: { busy: { retry: true, delay_ms: 600000 } },
        dispositions: [{ code: 'sold', final: true }],
      },
    }
    const f = campaignToForm(c)
    expect(f.settings?.mask_numbers).toBe(true)
    expect(f.window_mode).toBe('own')
    expect(f.settings?.retry?.no_answer).toEqual(defaultRetry.no_answer)
    expect(campaignBody(f, c)).toEqual({ id: 'spring', name: 'Spring sale', type: 'predictive', settings: c.settings })
  })

  it('cleared fields are sent as absent, so the API applies its defaults', () => {
    const c = { id: 'x', name: 'X', type: 'progressive', settings: { queue_id: 'q', timezone: 'Europe/London', max_attempts: 4, script: [{ id: 'q1', text: 'Ok?', kind: 'text' }] } }
    const f = campaignToForm(c)
    const b = campaignBody({ ...f, name: ' X2 ', settings: { ...f.settings, timezone: ' ', max_attempts: null as unknown as number } }, c)
    expect(b.name).toBe('X2')
    expect(b.settings).toEqual({ queue_id: 'q', mask_numbers: false, script: [{ id: 'q1', text: 'Ok?', kind: 'text' }] })
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

  it('retry rules: a changed default is sent, an untouched default is not, no retry sends no delay', () => {
    const c = { id: 'r', type: 'progressive', settings: { queue_id: 'q' } }
    const f = campaignToForm(c)
    const retry = { ...f.settings!.retry!, busy: { retry: true, delay_ms: 120_000 }, rejected: { retry: false, delay_ms: 14_400_000 } }
    expect(campaignBody({ ...f, settings: { ...f.settings, retry } }, c).settings?.retry).toEqual({ busy: { retry: true, delay_ms: 120_000 }, rejected: { retry: false, delay_ms: 0 } })
    expect(campaignBody(f, c).settings).not.toHaveProperty('retry')
  })

  it('script and dispositions: empty rows dropped, options only for a choice, no retry delay on a final code', () => {
    const f = campaignToForm({ id: 's', type: 'preview', settings: { queue_id: 'q' } })
    const b = campaignBody({
      ...f,
      settings: {
        ...f.settings,
        script: [{ id: ' interest ', text: 'Interested?', kind: 'choice', options: ['yes', ' ', 'no'], required: true }, { id: 'age', text: 'Age', kind: 'number', options: ['x'] }, {}],
        dispositions: [{ code: 'sold', label: '成交', final: true, retry_ms: 60000 }, { code: 'later', final: false, retry_ms: 86_400_000 }, { label: ' ' }],
      },
    })
    expect(b.settings?.script).toEqual([
      { id: 'interest', text: 'Interested?', kind: 'choice', options: ['yes', 'no'], required: true },
      { id: 'age', text: 'Age', kind: 'number' },
    ])
    expect(b.settings?.dispositions).toEqual([
      { code: 'sold', label: '成交', final: true },
      { code: 'later', final: false, retry_ms: 86_400_000 },
    ])
  })

  it('the calling window: a schedule, the campaign\'s own hours with holidays, or the default', () => {
    const c = { id: 'w', type: 'progressive', settings: { queue_id: 'q', schedule_id: 'office' } }
    const f = campaignToForm(c)
    expect(f.window_mode).toBe('schedule')
    expect(f.settings?.window?.weekly?.sunday).toEqual(['09:00-21:00'])
    const own = campaignBody(
      { ...f, window_mode: 'own', settings: { ...f.settings, window: { timezone: 'Asia/Shanghai', weekly: { monday: ['09:00-12:00', ' '], sunday: [] }, holidays: [{ name: '国庆', from: '2026-10-01', to: '2026-10-07' }, {}] } } },
      c,
    ).settings
    expect(own).not.toHaveProperty('schedule_id')
    expect(own?.window).toEqual({ timezone: 'Asia/Shanghai', weekly: { monday: ['09:00-12:00'] }, holidays: [{ name: '国庆', from: '2026-10-01', to: '2026-10-07' }] })
    const def = campaignBody({ ...f, window_mode: 'default' }, c).settings
    expect(def).not.toHaveProperty('schedule_id')
    expect(def).not.toHaveProperty('window')
  })

  it('an IVR broadcast: keys as a map, messages without empty parts', () => {
    const c = { id: 'b', type: 'ivr_broadcast', settings: { broadcast: { message: { text: 'Hi' }, keys: { '1': 'queue', '9': 'optout' }, lines: 5 } } }
    const f = campaignToForm(c)
    expect(f.broadcast_keys).toEqual([
      { key: '1', action: 'queue' },
      { key: '9', action: 'optout' },
    ])
    const b = campaignBody({ ...f, broadcast_keys: [{ key: '2', action: 'ack' }, { key: ' ' }], settings: { ...f.settings, broadcast: { ...f.settings?.broadcast, message: { text: ' Hello ', prompt: '', lang: 'en' }, optout_message: { text: '' } } } }, c)
    expect(b.settings?.broadcast).toEqual({ message: { text: 'Hello', lang: 'en' }, keys: { '2': 'ack' }, lines: 5 })
  })

  it('a refused field opens the tab that holds it', () => {
    expect(tabOf('settings.script[1].options')).toBe('script')
    expect(tabOf('settings.retry.busy.delay_ms')).toBe('retry')
    expect(tabOf('settings.dispositions[0].code')).toBe('dispositions')
    expect(tabOf('settings.window')).toBe('window')
    expect(tabOf('settings.abandon_cap_pct')).toBe('pacing')
    expect(tabOf('settings.broadcast.keys.x')).toBe('broadcast')
    expect(tabOf('settings.queue_id')).toBe('basics')
    expect(tabOf('name')).toBe('basics')
    expect(tabOf(undefined)).toBeUndefined()
  })

  it('progress counts leads no longer pending, dialing or previewed', () => {
    expect(progressDone({ leads: 10, by_status: { pending: 3, dialing: 1, preview: 1, done: 4, dnc: 1 } })).toEqual({ done: 5, total: 10 })
    expect(progressDone({})).toEqual({ done: 0, total: 0 })
  })

  it('the report query: span, rolling window and step, and a CSV section', () => {
    const from = new Date('2026-03-02T00:00:00Z')
    const to = new Date('2026-03-03T00:00:00Z')
    const q = new URLSearchParams(reportQuery(from, to, 60))
    expect(Object.fromEntries(q)).toEqual({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', window_ms: '3600000', step_ms: '900000' })
    const csv = new URLSearchParams(reportQuery(from, to, 1, 'agents'))
    expect(csv.get('step_ms')).toBe('60000')
    expect(csv.get('format')).toBe('csv')
    expect(csv.get('section')).toBe('agents')
  })

  it('a pacing decision is explained by its known codes', () => {
    expect(decisionCodes({ codes: ['near_cap', 'budget', 'something_new'] })).toEqual(['near_cap', 'budget'])
    expect(decisionCodes({ codes: ['budget', 'quota'] })).toEqual(['budget', 'quota'])
    expect(decisionCodes({ reason: 'old controller' })).toEqual([])
  })
})

describe('a new campaign', () => {
  it('starts from the defaults: the default window, every retry rule at its default, and sends none of them', () => {
    const f = campaignToForm({ type: 'progressive', settings: {} })
    expect(f.window_mode).toBe('default')
    expect(f.settings?.window?.weekly?.monday).toEqual(['09:00-21:00'])
    expect(f.settings?.retry?.busy).toEqual(defaultRetry.busy)
    expect(campaignBody({ ...f, name: 'N', settings: { ...f.settings, queue_id: 'q' } })).toEqual({ name: 'N', type: 'progressive', settings: { queue_id: 'q', mask_numbers: false } })
  })
})
