import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import en from '../locales/en.json'
import zh from '../locales/zh-CN.json'

function keys(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) return sources(p)
    return /\.tsx?$/.test(f) && !f.endsWith('.test.ts') && !f.endsWith('.test.tsx') ? [p] : []
  })
}

describe('translations', () => {
  it('zh-CN and en have the same keys', () => {
    const a = new Set(keys(en))
    const b = new Set(keys(zh))
    expect([...a].filter((k) => !b.has(k))).toEqual([])
    expect([...b].filter((k) => !a.has(k))).toEqual([])
  })

  it('every literal key the code uses exists', () => {
    const all = new Set(keys(en))
    const missing: string[] = []
    for (const f of sources(join(__dirname, '..'))) {
      const src = readFileSync(f, 'utf8')
      for (const m of src.matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z.-]+)'/g)) {
        if (!all.has(m[1])) missing.push(`${f}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('no value is empty', () => {
    for (const [name, o] of [
      ['en', en],
      ['zh-CN', zh],
    ] as const) {
      const flat = keys(o as Record<string, unknown>)
      for (const k of flat) {
        const v = k.split('.').reduce<unknown>((x, p) => (x as Record<string, unknown>)[p], o)
        expect(v, `${name} ${k}`).not.toBe('')
      }
    }
  })
})
