import { describe, expect, it } from 'vitest'
import { exampleConfig, pickText, preview, statusColor } from './api'

describe('SMS helpers', () => {
  it('fills the variables given so far and leaves the others visible', () => {
    expect(preview('Hello ${name}, we call at ${when}.', { name: 'Li' })).toBe('Hello Li, we call at ${when}.')
    expect(preview('验证码 ${code}', { code: '4321' })).toBe('验证码 4321')
    expect(preview('no ${1bad} vars', {})).toBe('no ${1bad} vars')
  })

  it('picks the text in the language, else Chinese, else English', () => {
    expect(pickText({ 'zh-CN': '中', en: 'en' }, 'en')).toBe('en')
    expect(pickText({ 'zh-CN': '中' }, 'en')).toBe('中')
    expect(pickText({ en: 'en' }, 'zh-CN')).toBe('en')
    expect(pickText({}, 'en')).toBe('')
  })

  it('colours the three report outcomes apart', () => {
    expect(new Set(['delivered', 'buffered', 'failed'].map(statusColor)).size).toBe(3)
  })

  it('starts new providers from settings the API accepts', () => {
    const http = JSON.parse(exampleConfig('http'))
    expect(http.url).toMatch(/^https:/)
    expect(http.body).toContain('${to}')
    expect(http.report.delivered).toContain('DELIVRD')
    const smpp = JSON.parse(exampleConfig('smpp'))
    expect(smpp.addr).toMatch(/:\d+$/)
    expect(smpp.password.length).toBeLessThanOrEqual(8)
  })
})
