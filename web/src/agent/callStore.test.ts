import { applyEvent, clearCall, fillTemplate, getCall, setOffer } from './callStore'
import type { WsEvent } from '../lib/ws'

describe('fillTemplate', () => {
  const offer = { call: 'c-1', caller: '138 0000&1', did: '4001', queue: 'sales', vars: { account: '12/34' } }
  it.each([
    ['https://crm/x?phone={caller}', 'https://crm/x?phone=138%200000%261'],
    ['https://crm/{var.account}/{queue}', 'https://crm/12%2F34/sales'],
    ['https://crm/?a={agent}&w={work_number}&c={call}&d={did}', 'https://crm/?a=u1&w=8001&c=c-1&d=4001'],
    ['https://crm/?x={var.missing}&y={unknown}', 'https://crm/?x=&y='],
  ])('%s', (tmpl, want) => {
    expect(fillTemplate(tmpl, offer, { id: 'u1', work_number: '8001' })).toBe(want)
  })
})

describe('call store', () => {
  beforeEach(() => clearCall())
  const ev = (e: Partial<WsEvent>) => ({ tenant: 't', agent: 'a', ...e }) as WsEvent

  it('an offer replaces the last call and its flags', () => {
    setOffer({ call: 'old' })
    applyEvent(ev({ type: 'muted', call: 'old' }))
    applyEvent(ev({ type: 'offered', call: 'new', caller: '1', vars: { account: '9' } }))
    expect(getCall().offer?.call).toBe('new')
    expect(getCall().offer?.vars).toEqual({ account: '9' })
    expect(getCall().flags).toEqual({})
  })

  it('folds mute and recording events of the call', () => {
    applyEvent(ev({ type: 'offered', call: 'c' }))
    applyEvent(ev({ type: 'muted', call: 'c' }))
    applyEvent(ev({ type: 'held', call: 'c' }))
    applyEvent(ev({ type: 'recording_started', call: 'c' }))
    expect(getCall().flags).toEqual({ muted: true, held: true, recording: 'on' })
    applyEvent(ev({ type: 'unheld', call: 'c' }))
    applyEvent(ev({ type: 'recording_paused', call: 'c' }))
    applyEvent(ev({ type: 'unmuted', call: 'c' }))
    expect(getCall().flags).toEqual({ muted: false, held: false, recording: 'paused' })
  })

  it('a help request consults until the supervisor takes it over', () => {
    applyEvent(ev({ type: 'offered', call: 'c' }))
    applyEvent(ev({ type: 'help_requested', call: 'c' }))
    applyEvent(ev({ type: 'held', call: 'c' }))
    expect(getCall().flags).toEqual({ consulting: true, held: true })
    applyEvent(ev({ type: 'help_accepted', call: 'c' }))
    expect(getCall().flags).toEqual({ consulting: false, held: false })
  })

  it('survives a reload through sessionStorage', () => {
    applyEvent(ev({ type: 'offered', call: 'kept', caller: '139' }))
    expect(JSON.parse(sessionStorage.getItem('ipcc.agent.call')!).offer.caller).toBe('139')
  })
})
