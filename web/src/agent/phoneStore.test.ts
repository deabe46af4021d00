import { rememberPassword, rememberedPassword, softphoneExtension } from './phoneStore'

describe('softphoneExtension', () => {
  it('takes the signed-in device when it is an extension', () => {
    expect(softphoneExtension('1007', ['1005'])).toBe('1007')
  })
  it('falls back to the first assigned extension before sign-in', () => {
    expect(softphoneExtension(undefined, ['1005', '1006'])).toBe('1005')
    expect(softphoneExtension(undefined, ['sip:x@y', '1006'])).toBe('1006')
  })
  it('is none without an extension', () => {
    expect(softphoneExtension(undefined, undefined)).toBeUndefined()
    expect(softphoneExtension('sofia/gateway/x/123', ['user/1005@dom'])).toBeUndefined()
  })
})

describe('remembered SIP password', () => {
  it('is kept per extension in this tab and can be forgotten', () => {
    rememberPassword('1005', 's3cret')
    expect(rememberedPassword('1005')).toBe('s3cret')
    expect(rememberedPassword('1006')).toBeNull()
    rememberPassword('1005', null)
    expect(rememberedPassword('1005')).toBeNull()
  })
})
