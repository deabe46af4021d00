import { describe, expect, it } from 'vitest'
import { safeCell, toCSV } from './csv'

describe('report CSV', () => {
  it('defuses formula-like cells but keeps numbers', () => {
    expect(safeCell('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`)
    expect(safeCell('@SUM(A1)')).toBe(`'@SUM(A1)`)
    expect(safeCell('+8613800138000')).toBe('+8613800138000')
    expect(safeCell('-1500')).toBe('-1500')
    expect(safeCell('-x')).toBe(`'-x`)
  })
  it('quotes commas, quotes and newlines', () => {
    expect(toCSV(['a', 'b'], [['1,2', 'say "hi"'], ['x\ny', '']])).toBe('a,b\r\n"1,2","say ""hi"""\r\n"x\ny",\r\n')
  })
})
