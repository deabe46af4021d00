import { describe, expect, it } from 'vitest'
import { numberMap, numberRows, rowOfError } from './agentNumbers'

describe("agents' numbers", () => {
  it('lists the stored numbers by agent', () => {
    expect(numberRows({ u2: '13900002222', u1: '13900001111' })).toEqual([
      { agent: 'u1', number: '13900001111' },
      { agent: 'u2', number: '13900002222' },
    ])
    expect(numberRows(undefined)).toEqual([])
  })

  it('drops empty rows and sends half-filled ones for the API to judge', () => {
    expect(numberMap([{ agent: 'u1', number: ' 139 0000 1111 ' }, { agent: '', number: '' }, { agent: 'u2', number: '' }, { agent: '', number: '123' }])).toEqual({
      u1: '139 0000 1111',
      u2: '',
      '': '123',
    })
  })

  it('finds the row an API error names', () => {
    const rows = [{ agent: 'u1', number: '1' }, { agent: '', number: '2' }, { agent: 'a.b', number: 'x' }]
    expect(rowOfError(rows, 'agent_numbers.u1')).toBe(0)
    expect(rowOfError(rows, 'agent_numbers')).toBe(1)
    expect(rowOfError(rows, 'agent_numbers.a.b')).toBe(2)
    expect(rowOfError(rows, 'per_day')).toBe(-1)
    expect(rowOfError(rows, undefined)).toBe(-1)
  })
})
