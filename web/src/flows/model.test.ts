import { addNode, autoLayout, connect, diffLines, edgesOf, nodeChanges, pasteNodes, portsOf, removeNodes, renameNode, setField, type FlowDoc, type JSONSchema } from './model'

// A schema fragment as GET /api/v1/flow-schema serves it.
const schema: JSONSchema = {
  'x-node-types': ['branch', 'hangup', 'menu', 'schedule'],
  $defs: {
    'node.menu': { 'x-outputs': [{ field: 'options', shape: 'keyed', required: true }, { field: 'fallback', shape: 'single', required: true }] },
    'node.branch': { 'x-outputs': [{ field: 'conditions', shape: 'list', required: true }, { field: 'else', shape: 'single', required: true }] },
    'node.schedule': { 'x-outputs': [{ field: 'branches', shape: 'keyed', keys: ['open', 'closed'], required: true }] },
    'node.hangup': { properties: { beep: { default: 'true' } } },
  },
}

const flow = (): FlowDoc => ({
  id: 'f',
  start: 'm',
  nodes: [
    { id: 'm', type: 'menu', options: { '1': 'b', '2': 'h' }, fallback: 'h' },
    { id: 'b', type: 'branch', conditions: [{ if: 'x', next: 'h' }], else: 's' },
    { id: 's', type: 'schedule', branches: { open: 'h' } },
    { id: 'h', type: 'hangup' },
  ],
  layout: { m: { x: 0, y: 0 }, h: { x: 0, y: 300 } },
})

describe('flow model', () => {
  it('lists ports from the schema: keys, list entries, fixed keys and adders', () => {
    const [m, b, s] = flow().nodes
    expect(portsOf(m, schema.$defs!['node.menu']).map((p) => p.handle)).toEqual(['options.1', 'options.2', 'options.+', 'fallback'])
    expect(portsOf(b, schema.$defs!['node.branch']).map((p) => p.handle)).toEqual(['conditions[0].next', 'conditions.+', 'else'])
    expect(portsOf(s, schema.$defs!['node.schedule']).map((p) => [p.handle, p.target])).toEqual([
      ['branches.open', 'h'],
      ['branches.closed', undefined],
    ])
  })

  it('connects handles: the next free key, a new condition, a single edge, and clears', () => {
    const [m, b] = flow().nodes
    expect(connect(m, 'options.+', 's').options).toEqual({ '1': 'b', '2': 'h', '3': 's' })
    expect(connect(b, 'conditions.+', 'm').conditions).toEqual([{ if: 'x', next: 'h' }, { if: '', next: 'm' }])
    expect(connect(b, 'conditions[0].next', 'm').conditions).toEqual([{ if: 'x', next: 'm' }])
    expect(connect(m, 'fallback', undefined).fallback).toBeUndefined()
    expect(connect(m, 'options.2', undefined).options).toEqual({ '1': 'b' })
    expect(edgesOf(flow(), schema).map((e) => e.id)).toEqual(['m|options.1', 'm|options.2', 'm|fallback', 'b|conditions[0].next', 'b|else', 's|branches.open'])
  })

  it('removes nodes with every reference, renames everywhere', () => {
    const d = removeNodes(flow(), new Set(['h']), schema)
    expect(d.nodes.map((n) => n.id)).toEqual(['m', 'b', 's'])
    expect(d.nodes[0]).toEqual({ id: 'm', type: 'menu', options: { '1': 'b' } })
    expect(d.nodes[1].conditions).toEqual([{ if: 'x', next: '' }])
    expect(d.nodes[2].branches).toBeUndefined()
    expect(d.layout).toEqual({ m: { x: 0, y: 0 } })
    const r = renameNode(flow(), 'm', 'main', schema)
    expect(r.start).toBe('main')
    expect(r.layout?.main).toEqual({ x: 0, y: 0 })
    const r2 = renameNode(flow(), 'h', 'bye', schema)
    expect(edgesOf(r2, schema).filter((e) => e.target === 'bye')).toHaveLength(4)
  })

  it('adds numbered nodes, the first becomes the start', () => {
    const a = addNode({ id: 'f', nodes: [] }, 'menu', { x: 10.4, y: 20.6 })
    expect(a.id).toBe('menu_1')
    expect(a.doc.start).toBe('menu_1')
    expect(a.doc.layout).toEqual({ menu_1: { x: 10, y: 21 } })
    expect(addNode(a.doc, 'menu', { x: 0, y: 0 }).id).toBe('menu_2')
  })

  it('pastes a group: inner edges follow the copies, outer edges stay', () => {
    const d = flow()
    const group = d.nodes.filter((n) => n.id === 'm' || n.id === 'b')
    const p = pasteNodes(d, group, { m: { x: 0, y: 0 }, b: { x: 10, y: 10 } }, { x: 40, y: 40 }, schema)
    expect(p.ids).toEqual(['m_copy', 'b_copy'])
    const mc = p.doc.nodes.find((n) => n.id === 'm_copy')!
    expect(mc.options).toEqual({ '1': 'b_copy', '2': 'h' })
    expect(p.doc.layout?.b_copy).toEqual({ x: 50, y: 50 })
    expect(pasteNodes(p.doc, group, {}, { x: 0, y: 0 }, schema).ids).toEqual(['m_copy_2', 'b_copy_2'])
  })

  it('drops empty values so the validator does not see them as set', () => {
    const h = flow().nodes[3]
    expect(setField(h, 'prompt', [])).toEqual({ id: 'h', type: 'hangup' })
    expect(setField(h, 'beep', false, schema.$defs!['node.hangup']).beep).toBe(false)
    expect(setField({ ...h, cause: 'X' }, 'cause', '')).toEqual({ id: 'h', type: 'hangup' })
  })

  it('lays out top to bottom along the edges', () => {
    const d = autoLayout(flow(), schema)
    expect(Object.keys(d.layout!).sort()).toEqual(['b', 'h', 'm', 's'])
    expect(d.layout!.m.y).toBeLessThan(d.layout!.b.y)
    expect(d.layout!.b.y).toBeLessThan(d.layout!.s.y)
    expect(d.layout!.s.y).toBeLessThan(d.layout!.h.y)
  })

  it('diffs lines side by side and compares nodes', () => {
    const rows = diffLines(['a', 'b', 'c', 'd'], ['a', 'B', 'c', 'd', 'e'])
    expect(rows.map((r) => r.kind)).toEqual(['same', 'change', 'same', 'same', 'add'])
    expect(rows[1]).toMatchObject({ left: 'b', right: 'B', ln: 2, rn: 2 })
    const a = flow()
    const b = { ...flow(), nodes: [...flow().nodes.slice(1), { id: 'n', type: 'hangup' }] }
    b.nodes[0] = { ...b.nodes[0], else: 'h' }
    expect(nodeChanges(a, b)).toEqual({ added: ['n'], removed: ['m'], changed: ['b'] })
  })
})
