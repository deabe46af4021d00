import { describe, expect, it } from 'vitest'
import { fieldPath } from './errors'

describe('fieldPath', () => {
  it('splits dotted fields and array indexes', () => {
    expect(fieldPath('limits.max_wait_ms')).toEqual(['limits', 'max_wait_ms'])
    expect(fieldPath('holidays[0].from')).toEqual(['holidays', 0, 'from'])
    expect(fieldPath('weekly.monday[1]')).toEqual(['weekly', 'monday', 1])
    expect(fieldPath('username')).toEqual(['username'])
  })
})
