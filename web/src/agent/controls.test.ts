import { controlsFor } from './CallPanel'

const t = (k: string) => k
const by = (list: ReturnType<typeof controlsFor>) => Object.fromEntries(list.map((a) => [a.key, a.disabled]))

describe('call controls', () => {
  it('without a call every control says why it is off', () => {
    const c = by(controlsFor({ state: 'available', answer: { ok: true }, flags: {} }, t, () => {}))
    for (const [k, why] of Object.entries(c)) expect(why, k).toBeTruthy()
    expect(c.hangup).toBe('call.why.noCall')
  })

  it('ringing: only answer, and only where the phone allows it', () => {
    expect(by(controlsFor({ state: 'ringing', answer: { ok: true }, flags: {} }, t, () => {})).answer).toBeUndefined()
    const no = by(controlsFor({ state: 'ringing', answer: { ok: false, reason: 'Asterisk' }, flags: {} }, t, () => {}))
    expect(no.answer).toBe('call.why.noAnswer')
    expect(no.hold).toBe('call.why.ringing')
  })

  it('on a call: consult actions need a consult, recording needs a recording', () => {
    const c = by(controlsFor({ state: 'on-call', answer: { ok: false }, flags: {} }, t, () => {}))
    expect(c.hangup).toBeUndefined()
    expect(c.hold).toBeUndefined()
    expect(c.transfer).toBeUndefined()
    expect(c['consult-complete']).toBe('call.why.notConsulting')
    expect(c['record-pause']).toBe('call.why.notRecording')
  })

  it('while consulting: complete, cancel, three-way; no new transfer', () => {
    const list = controlsFor({ state: 'on-call', answer: { ok: false }, flags: { consulting: true, held: true, recording: 'paused', muted: true } }, t, () => {})
    const c = by(list)
    expect(c['consult-complete']).toBeUndefined()
    expect(c['three-way']).toBeUndefined()
    expect(c.transfer).toBe('call.why.consulting')
    expect(list.map((a) => a.key)).toEqual(expect.arrayContaining(['unhold', 'unmute', 'record-resume']))
  })

  it('every control has its own shortcut', () => {
    const list = controlsFor({ state: 'on-call', answer: { ok: false }, flags: {} }, t, () => {})
    expect(new Set(list.map((a) => a.shortcut)).size).toBe(list.length)
  })

  it("on the agent's own outbound call: hang up, hold and recording; no transfer, consult, help, flow or mute", () => {
    const c = by(controlsFor({ state: 'not-ready', own: true, answer: { ok: false }, flags: {} }, t, () => {}))
    expect(c.hangup).toBeUndefined()
    expect(c.hold).toBeUndefined()
    for (const k of ['transfer', 'consult', 'help', 'flow', 'mute', 'consult-complete', 'three-way']) expect(c[k], k).toBe('call.why.ownCall')
    expect(c.answer).toBe('call.why.noCall')
  })
})
