import { describe, expect, it } from 'vitest'
import i18n from '../lib/i18n'
import en from '../locales/en.json'
import zh from '../locales/zh-CN.json'
import { noteCodes, noteText, outcomeKinds, outcomeText } from './simNotes'

const tr = (lng: string) => i18n.getFixedT(lng) as unknown as (k: string, o?: Record<string, unknown>) => string

describe('dry-run notes', () => {
  it('every note code and outcome kind has words in both languages', () => {
    for (const l of [en, zh] as { flowsim: { notes: Record<string, string>; kinds: Record<string, string> } }[]) {
      for (const c of noteCodes) expect(l.flowsim.notes[c], c).toBeTruthy()
      for (const k of outcomeKinds) expect(l.flowsim.kinds[k], k).toBeTruthy()
    }
  })

  it('a transfer outcome in English reads as before, in Chinese in Chinese', () => {
    const o = { kind: 'transfer', transfer: { kind: 'queue', target: 'support' }, node: 'to_support' }
    expect(outcomeText(tr('en'), o)).toBe('transfer queue support @ to_support')
    expect(outcomeText(tr('zh-CN'), o)).toBe('转接 队列 support @ to_support')
  })

  it('a reason is said from its note; without one, the API text is kept', () => {
    const o = { kind: 'limit', node: 'a', reason: 'more than 5 node visits', reason_note: { code: 'too_many_visits', params: { max: '5' } } }
    expect(outcomeText(tr('zh-CN'), o)).toContain('5')
    expect(outcomeText(tr('zh-CN'), o)).not.toContain('node visits')
    expect(outcomeText(tr('zh-CN'), { kind: 'error', reason: 'something new' })).toContain('(something new)')
    expect(outcomeText(tr('zh-CN'), { kind: 'error', reason: 'x', reason_note: { code: 'not_known_here' } })).toContain('(x)')
  })

  it('a menu\'s tries and a transfer\'s kind are translated inside a note', () => {
    const keys = { code: 'keys', params: { keys: 'invalid 7,timeout,1' } }
    expect(noteText(tr('zh-CN'), keys)).not.toMatch(/invalid|timeout/)
    expect(noteText(tr('zh-CN'), keys)).toContain('7')
    expect(noteText(tr('en'), { code: 'transfer', params: { kind: 'agent', target: '1007' } })).toContain('1007')
    expect(noteText(tr('zh-CN'), undefined, 'a=1 b=2')).toBe('a=1 b=2')
  })
})
