import { act, screen } from '@testing-library/react'
import { App as AntApp, Button } from 'antd'
import userEvent from '@testing-library/user-event'
import i18n from './i18n'
import { ApiError } from './api'
import { errorText, live } from './live'
import { renderUI } from '../test/render'
import en from '../locales/en.json'
import zh from '../locales/zh-CN.json'

afterEach(async () => {
  await act(() => i18n.changeLanguage('en'))
})

describe('errorText', () => {
  const t = i18n.getFixedT('zh-CN')
  it('says API errors of a fixed meaning in our words', () => {
    expect(errorText(t, new ApiError(409, 'no_answer', 'supervise: phone 1009: the supervisor’s phone did not answer'))).toBe(zh.call.errors.no_answer)
    expect(errorText(t, new ApiError(409, 'device_in_use', 'device 1001 is in use by agent x'))).toBe(zh.call.errors.device_in_use)
    expect(errorText(t, new ApiError(409, 'ring_failed', 'USER_NOT_REGISTERED'))).toBe(zh.call.errors.ring_failed.replace('{{message}}', 'USER_NOT_REGISTERED'))
  })
  it('says how long to wait after too many failed logins, in the UI language', () => {
    expect(errorText(t, new ApiError(429, 'too_many_attempts', 'too many failed logins: try again in 42 s', undefined, 42))).toBe('失败次数过多，请 42 秒后再试')
    expect(errorText(i18n.getFixedT('en'), new ApiError(429, 'too_many_attempts', 'x', undefined, 42))).toBe('Too many failed attempts: try again in 42 s')
    expect(errorText(t, new ApiError(429, 'too_many_attempts', 'x'))).toBe(zh.call.errors.too_many_attempts)
  })
  it('keeps the API message when its code has no translation (it names what and where)', () => {
    expect(errorText(t, new ApiError(400, 'invalid', 'target is required'))).toBe('target is required')
  })
  it('says a failed request is the network', () => {
    expect(errorText(t, new TypeError('Failed to fetch'))).toBe(zh.call.errors.network)
  })
})

describe('live', () => {
  it('a toast follows a language switch while it is on screen', async () => {
    await act(() => i18n.changeLanguage('en'))
    function Toaster() {
      const { message } = AntApp.useApp()
      return <Button onClick={() => void message.success({ content: live((t) => t('call.actionDone', { action: t('call.transfer') })), duration: 0 })}>go</Button>
    }
    renderUI(<Toaster />)
    await userEvent.click(screen.getByRole('button', { name: 'go' }))
    const english = en.call.actionDone.replace('{{action}}', en.call.transfer)
    expect(await screen.findByText(english)).toBeInTheDocument()
    await act(() => i18n.changeLanguage('zh-CN'))
    expect(await screen.findByText(zh.call.actionDone.replace('{{action}}', zh.call.transfer))).toBeInTheDocument()
    expect(screen.queryByText(english)).toBeNull()
  })
})
