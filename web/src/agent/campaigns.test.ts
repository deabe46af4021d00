import { answersOf, workFromEvent } from './Campaigns'

const campaigns = [
  {
    id: 'c1',
    name: 'Follow-up',
    type: 'progressive',
    settings: {
      mask_numbers: true,
      script: [
        { id: 'ok', text: 'Satisfied?', kind: 'yes_no', required: true },
        { id: 'plan', text: 'Plan', kind: 'choice', options: ['a', 'b'] },
        { id: 'n', text: 'How many', kind: 'number' },
      ],
      dispositions: [{ code: 'done', label: 'Done', final: true }],
    },
  },
]

describe('a campaign call pops its lead', () => {
  it('reads the lead, its fields, the attempt and the masked number from campaign_call', () => {
    const w = workFromEvent({ call: 'x1', caller: '138****1234', vars: { campaign: 'c1', lead: '7', attempt: '42', name: 'Chen', plan: '5G', city: 'SH' } }, campaigns)
    expect(w).not.toBeNull()
    expect(w!.attempt).toBe(42)
    expect(w!.call).toBe('x1')
    expect(w!.lead).toMatchObject({ lead_id: 7, name: 'Chen', phone: '138****1234', masked: true, fields: { plan: '5G', city: 'SH' } })
    expect(w!.script.map((q) => q.id)).toEqual(['ok', 'plan', 'n'])
    expect(w!.dispositions.map((d) => d.code)).toEqual(['done'])
  })
  it('ignores an event without campaign or attempt', () => {
    expect(workFromEvent({ vars: { lead: '7' } }, campaigns)).toBeNull()
    expect(workFromEvent({ vars: { campaign: 'c1' } }, campaigns)).toBeNull()
  })
})

describe('script answers', () => {
  it('keeps given answers by question id, typed, and leaves out empty ones', () => {
    const script = campaigns[0].settings.script
    expect(answersOf({ q_ok: false, q_plan: 'b', q_n: 3, code: 'done' }, script)).toEqual({ ok: false, plan: 'b', n: 3 })
    expect(answersOf({ q_ok: true, q_plan: undefined, q_n: null }, script)).toEqual({ ok: true })
  })
})
