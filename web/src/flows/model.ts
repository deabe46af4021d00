// The flow editor's model: a flow document (as the API stores it) and the
// pure functions the canvas and forms use on it. Node types, their fields
// and their edges all come from the flow language's JSON Schema
// (GET /api/v1/flow-schema), so nothing here knows a node type by name.
import dagre from '@dagrejs/dagre'
import type { Schemas } from '../lib/api'

export type JSONSchema = Schemas['ivrflows.JSONSchema']
export type NodeOutput = Schemas['ivrflows.NodeOutput']
export type ValidationError = Schemas['ivrflows.ValidationError']
export type Position = { x: number; y: number }

// A node is a plain record: its fields are described by the schema.
export type FlowNode = { id: string; type: string; [field: string]: unknown }

export type FlowDoc = {
  format?: number
  id: string
  name?: string
  start?: string
  language?: string
  limits?: { max_duration?: string; max_visits?: number }
  shortcuts?: Record<string, string>
  variables?: Record<string, string>
  nodes: FlowNode[]
  layout?: Record<string, Position>
}

// typeSpec is the schema of one node type.
export function typeSpec(schema: JSONSchema | undefined, type: string): JSONSchema | undefined {
  return schema?.$defs?.[`node.${type}`]
}

export function nodeTypes(schema: JSONSchema | undefined): string[] {
  return schema?.['x-node-types'] ?? []
}

// A Port is one output handle of a node: an edge that is set (target) or
// can be set. Handle ids are the validator's field names ("next",
// "options.1", "branches.open", "conditions[0].next"), so an error on a
// field points at its handle; "options.+" and "conditions.+" add one.
export type Port = { handle: string; field: string; key?: string; target?: string; adds?: boolean }

export function portsOf(node: FlowNode, spec: JSONSchema | undefined): Port[] {
  const out: Port[] = []
  for (const o of spec?.['x-outputs'] ?? []) {
    const field = o.field ?? ''
    const v = node[field]
    if (o.shape === 'single') {
      out.push({ handle: field, field, target: typeof v === 'string' && v ? v : undefined })
    } else if (o.shape === 'keyed') {
      const m = (v ?? {}) as Record<string, string>
      const keys = o.keys?.length ? o.keys : Object.keys(m).sort(keyOrder)
      for (const k of keys) out.push({ handle: `${field}.${k}`, field, key: k, target: m[k] || undefined })
      if (!o.keys?.length) out.push({ handle: `${field}.+`, field, adds: true })
    } else if (o.shape === 'list') {
      const list = (Array.isArray(v) ? v : []) as { next?: string }[]
      list.forEach((c, i) => out.push({ handle: `${field}[${i}].next`, field, key: String(i), target: c?.next || undefined }))
      out.push({ handle: `${field}.+`, field, adds: true })
    }
  }
  return out
}

// keyOrder sorts menu keys as a phone shows them: 1-9, 0, *, #.
export function keyOrder(a: string, b: string): number {
  const rank = (k: string) => '1234567890*#'.indexOf(k[0]) * 100 + k.length
  return rank(a) - rank(b) || a.localeCompare(b)
}

const freeKeys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#']

// connect sets the edge of a handle to target and returns the new node.
export function connect(node: FlowNode, handle: string, target: string | undefined): FlowNode {
  const n: FlowNode = { ...node }
  const list = /^(\w+)\[(\d+)\]\.next$/.exec(handle)
  if (list) {
    const arr = [...((n[list[1]] as { if?: string; next?: string }[]) ?? [])]
    arr[Number(list[2])] = { ...arr[Number(list[2])], next: target ?? '' }
    n[list[1]] = arr
    return n
  }
  const dot = handle.indexOf('.')
  if (dot < 0) {
    if (target) n[handle] = target
    else delete n[handle]
    return n
  }
  const field = handle.slice(0, dot)
  let key = handle.slice(dot + 1)
  if (key === '+') {
    if (!target) return n
    if (field === 'conditions') {
      n.conditions = [...((n.conditions as unknown[]) ?? []), { if: '', next: target }]
      return n
    }
    const m = (n[field] ?? {}) as Record<string, string>
    key = freeKeys.find((k) => !(k in m)) ?? String(Object.keys(m).length + 1)
  }
  const m = { ...((n[field] ?? {}) as Record<string, string>) }
  if (target) m[key] = target
  else delete m[key]
  if (Object.keys(m).length) n[field] = m
  else delete n[field]
  return n
}

export type GraphEdge = { id: string; source: string; sourceHandle: string; target: string; label: string }

// edgesOf lists every edge of the flow that points at an existing node.
export function edgesOf(doc: FlowDoc, schema: JSONSchema | undefined): GraphEdge[] {
  const ids = new Set(doc.nodes.map((n) => n.id))
  const out: GraphEdge[] = []
  for (const n of doc.nodes) {
    for (const p of portsOf(n, typeSpec(schema, n.type))) {
      if (p.target && ids.has(p.target)) {
        out.push({ id: `${n.id}|${p.handle}`, source: n.id, sourceHandle: p.handle, target: p.target, label: p.handle })
      }
    }
  }
  return out
}

// refsTo lists the handles of every edge pointing at id.
function mapRefs(n: FlowNode, spec: JSONSchema | undefined, fn: (target: string) => string | undefined): FlowNode {
  let out = n
  for (const p of portsOf(n, spec)) {
    if (p.target === undefined) continue
    const t = fn(p.target)
    if (t !== p.target) out = connect(out, p.handle, t)
  }
  return out
}

// removeNodes deletes nodes and every edge, layout entry and reference to them.
export function removeNodes(doc: FlowDoc, ids: Set<string>, schema: JSONSchema | undefined): FlowDoc {
  const nodes = doc.nodes.filter((n) => !ids.has(n.id)).map((n) => mapRefs(n, typeSpec(schema, n.type), (t) => (ids.has(t) ? undefined : t)))
  const layout = { ...(doc.layout ?? {}) }
  ids.forEach((id) => delete layout[id])
  const shortcuts = Object.fromEntries(Object.entries(doc.shortcuts ?? {}).filter(([, t]) => !ids.has(t)))
  return { ...doc, nodes, layout, shortcuts, start: doc.start && ids.has(doc.start) ? nodes[0]?.id : doc.start }
}

// renameNode changes a node's id and every reference to it.
export function renameNode(doc: FlowDoc, from: string, to: string, schema: JSONSchema | undefined): FlowDoc {
  const nodes = doc.nodes.map((n) => {
    const m = mapRefs(n, typeSpec(schema, n.type), (t) => (t === from ? to : t))
    return m.id === from ? { ...m, id: to } : m
  })
  const layout = { ...(doc.layout ?? {}) }
  if (layout[from]) {
    layout[to] = layout[from]
    delete layout[from]
  }
  const shortcuts = Object.fromEntries(Object.entries(doc.shortcuts ?? {}).map(([k, t]) => [k, t === from ? to : t]))
  return { ...doc, nodes, layout, shortcuts, start: doc.start === from ? to : doc.start }
}

// freeId returns base, or base_2, base_3... not used in the flow.
export function freeId(doc: FlowDoc, base: string, taken: Set<string> = new Set()): string {
  const used = new Set([...doc.nodes.map((n) => n.id), ...taken])
  if (!used.has(base)) return base
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`
}

// numberedId returns type_1, type_2... the first not used.
export function numberedId(doc: FlowDoc, type: string): string {
  const used = new Set(doc.nodes.map((n) => n.id))
  for (let i = 1; ; i++) if (!used.has(`${type}_${i}`)) return `${type}_${i}`
}

// addNode adds an empty node of a type at a position; the first node of a
// flow becomes its start.
export function addNode(doc: FlowDoc, type: string, pos: Position): { doc: FlowDoc; id: string } {
  const id = numberedId(doc, type)
  const layout = { ...(doc.layout ?? {}), [id]: round(pos) }
  return { doc: { ...doc, nodes: [...doc.nodes, { id, type }], layout, start: doc.start || id }, id }
}

function round(p: Position): Position {
  return { x: Math.round(p.x), y: Math.round(p.y) }
}

// pasteNodes copies nodes into the flow under new ids; edges between the
// copied nodes follow the copies, edges out of the group stay.
export function pasteNodes(doc: FlowDoc, copied: FlowNode[], positions: Record<string, Position>, offset: Position, schema: JSONSchema | undefined): { doc: FlowDoc; ids: string[] } {
  const map = new Map<string, string>()
  const taken = new Set<string>()
  for (const n of copied) {
    const id = freeId(doc, `${n.id.replace(/_copy(_\d+)?$/, '')}_copy`, taken)
    taken.add(id)
    map.set(n.id, id)
  }
  const layout = { ...(doc.layout ?? {}) }
  const added = copied.map((n) => {
    const c = mapRefs({ ...structuredClone(n), id: map.get(n.id)! }, typeSpec(schema, n.type), (t) => map.get(t) ?? t)
    const p = positions[n.id] ?? { x: 0, y: 0 }
    layout[c.id] = round({ x: p.x + offset.x, y: p.y + offset.y })
    return c
  })
  return { doc: { ...doc, nodes: [...doc.nodes, ...added], layout }, ids: added.map((n) => n.id) }
}

export const NODE_WIDTH = 220

// nodeHeight estimates a node's drawn height from its ports.
export function nodeHeight(node: FlowNode, schema: JSONSchema | undefined): number {
  return 64 + 22 * Math.ceil(portsOf(node, typeSpec(schema, node.type)).length / 3)
}

// autoLayout places every node top to bottom along its edges (dagre).
export function autoLayout(doc: FlowDoc, schema: JSONSchema | undefined): FlowDoc {
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70, marginx: 20, marginy: 20 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of doc.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: nodeHeight(n, schema) })
  for (const e of edgesOf(doc, schema)) g.setEdge(e.source, e.target)
  dagre.layout(g)
  const layout: Record<string, Position> = {}
  for (const n of doc.nodes) {
    const p = g.node(n.id)
    layout[n.id] = round({ x: p.x - NODE_WIDTH / 2, y: p.y - nodeHeight(n, schema) / 2 })
  }
  return { ...doc, layout }
}

// setField sets a node field; empty values are removed (the validator
// refuses fields a type does not take, and [] or "" would count as set).
export function setField(node: FlowNode, field: string, value: unknown, spec?: JSONSchema): FlowNode {
  const n = { ...node }
  const fs = spec?.properties?.[field]
  const empty =
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && !Array.isArray(value) && value !== null && Object.keys(value).length === 0) ||
    (value === false && fs?.default !== 'true') ||
    (typeof value === 'number' && value === 0)
  if (empty) delete n[field]
  else n[field] = value
  return n
}

// errorsOf picks the errors of a node, or of one field of it (the field
// itself and its parts: "options" has "options.1").
export function errorsOf(errors: ValidationError[], node: string, field?: string): ValidationError[] {
  return errors.filter(
    (e) => (e.node ?? '') === node && (field === undefined || e.field === field || e.field?.startsWith(field + '.') || e.field?.startsWith(field + '[')),
  )
}

// ---- diffs between versions

export type DiffRow = { kind: 'same' | 'add' | 'del' | 'change'; left?: string; right?: string; ln?: number; rn?: number }

// diffLines is a line diff (longest common subsequence on the part
// between the common head and tail).
export function diffLines(a: string[], b: string[]): DiffRow[] {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const A = a.slice(head, a.length - tail)
  const B = b.slice(head, b.length - tail)
  const rows: DiffRow[] = []
  for (let i = 0; i < head; i++) rows.push({ kind: 'same', left: a[i], right: b[i], ln: i + 1, rn: i + 1 })
  const mid: DiffRow[] = []
  if (A.length * B.length <= 4_000_000) {
    const n = A.length
    const m = B.length
    const L = new Uint32Array((n + 1) * (m + 1))
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--) L[i * (m + 1) + j] = A[i] === B[j] ? L[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(L[(i + 1) * (m + 1) + j], L[i * (m + 1) + j + 1])
    let i = 0
    let j = 0
    while (i < n || j < m) {
      if (i < n && j < m && A[i] === B[j]) {
        mid.push({ kind: 'same', left: A[i], right: B[j], ln: head + i + 1, rn: head + j + 1 })
        i++
        j++
      } else if (j < m && (i === n || L[i * (m + 1) + j + 1] > L[(i + 1) * (m + 1) + j])) {
        mid.push({ kind: 'add', right: B[j], rn: head + j + 1 })
        j++
      } else {
        mid.push({ kind: 'del', left: A[i], ln: head + i + 1 })
        i++
      }
    }
  } else {
    A.forEach((l, i) => mid.push({ kind: 'del', left: l, ln: head + i + 1 }))
    B.forEach((l, j) => mid.push({ kind: 'add', right: l, rn: head + j + 1 }))
  }
  // Pair a run of deletions with the following additions side by side.
  for (let k = 0; k < mid.length; ) {
    if (mid[k].kind !== 'del') {
      rows.push(mid[k++])
      continue
    }
    const dels: DiffRow[] = []
    while (k < mid.length && mid[k].kind === 'del') dels.push(mid[k++])
    const adds: DiffRow[] = []
    while (k < mid.length && mid[k].kind === 'add') adds.push(mid[k++])
    for (let x = 0; x < Math.max(dels.length, adds.length); x++) {
      const d = dels[x]
      const a2 = adds[x]
      rows.push(d && a2 ? { kind: 'change', left: d.left, ln: d.ln, right: a2.right, rn: a2.rn } : (d ?? a2))
    }
  }
  for (let i = tail; i > 0; i--) rows.push({ kind: 'same', left: a[a.length - i], right: b[b.length - i], ln: a.length - i + 1, rn: b.length - i + 1 })
  return rows
}

// nodeChanges compares two flows node by node (positions ignored).
export function nodeChanges(a: FlowDoc, b: FlowDoc): { added: string[]; removed: string[]; changed: string[] } {
  const am = new Map(a.nodes.map((n) => [n.id, JSON.stringify(n)]))
  const bm = new Map(b.nodes.map((n) => [n.id, JSON.stringify(n)]))
  return {
    added: [...bm.keys()].filter((id) => !am.has(id)),
    removed: [...am.keys()].filter((id) => !bm.has(id)),
    changed: [...bm.keys()].filter((id) => am.has(id) && am.get(id) !== bm.get(id)),
  }
}
