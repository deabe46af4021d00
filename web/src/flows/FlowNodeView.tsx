import { memo } from 'react'
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react'
import { useTranslation } from 'react-i18next'
import { portsOf, type FlowNode, type JSONSchema, type Port } from './model'

export type NodeData = {
  node: FlowNode
  spec?: JSONSchema
  errors: number
  start: boolean
  // visited: on the simulated path; active: the step shown now
  visited: boolean
  active: boolean
  mark?: 'added' | 'changed'
}

export type CanvasNode = Node<NodeData, 'flow'>

// portLabel names an output: a menu key, a schedule branch, "if 1", or
// the edge's name in the user's language.
export function portLabel(t: (k: string, o?: Record<string, unknown>) => string, p: Port): string {
  if (p.adds) return p.field === 'conditions' ? t('flows.port.addCondition') : t('flows.port.addKey')
  if (p.field === 'conditions') return t('flows.port.if', { n: Number(p.key) + 1 })
  if (p.field === 'branches') return t(`flows.branch.${p.key}`, { defaultValue: p.key })
  if (p.key !== undefined) return p.key
  return t(`flows.edge.${p.field}`, { defaultValue: p.field })
}

// summary is one line about what the node does (first prompt text, target...).
function summary(n: FlowNode, lang: string, label: (f: string) => string): string {
  const prompt = n.prompt as { tts?: string | Record<string, string>; file?: string | Record<string, string> }[] | undefined
  const first = prompt?.[0]
  const loc = first?.tts ?? first?.file
  if (loc) return typeof loc === 'string' ? loc : (loc[lang] ?? Object.values(loc)[0] ?? '')
  for (const f of ['target', 'url', 'schedule', 'language', 'variable', 'mailbox', 'text']) {
    if (typeof n[f] === 'string' && n[f]) return `${label(f)}: ${n[f] as string}`
  }
  return (n.note as string) ?? ''
}

function FlowNodeViewInner({ data, selected }: NodeProps<CanvasNode>) {
  const { t, i18n } = useTranslation()
  const { node, spec, errors, start, visited, active, mark } = data
  const ports = portsOf(node, spec)
  const cls = ['flow-node', errors ? 'has-errors' : '', visited ? 'visited' : '', active ? 'active' : '', mark ? `mark-${mark}` : '', selected ? 'selected' : '']
  return (
    <div className={cls.join(' ')} data-testid={`flow-node-${node.id}`} aria-label={`${t(`flows.type.${node.type}`, { defaultValue: node.type })} ${node.id}`}>
      <Handle type="target" position={Position.Top} id="in" className="flow-handle-in" />
      <div className="flow-node-head">
        <span className="flow-node-type">{t(`flows.type.${node.type}`, { defaultValue: node.type })}</span>
        {start && <span className="flow-node-start">{t('flows.start')}</span>}
        {errors > 0 && (
          <span className="flow-node-errors" title={t('flows.nodeErrors', { count: errors })}>
            {errors}
          </span>
        )}
      </div>
      <div className="flow-node-id">{node.id}</div>
      <div className="flow-node-summary">{summary(node, i18n.language, (f) => t(`flows.field.${f}`, { defaultValue: f }))}</div>
      {ports.length > 0 && (
        <div className="flow-node-ports">
          {ports.map((p) => (
            <div key={p.handle} className={`flow-port${p.target ? ' set' : ''}${p.adds ? ' adds' : ''}`} title={p.handle}>
              {portLabel(t, p)}
              <Handle type="source" position={Position.Bottom} id={p.handle} className="flow-handle-out" isConnectable />
            </div>
          ))}
        </div>
      )}
    </div>
  )
}

// A node's drawing depends on its data and selection only: the position
// props React Flow passes change on every mouse move of a drag, and the
// wrapper (not this component) moves the node, so they are not compared.
export const FlowNodeView = memo(FlowNodeViewInner, (a, b) => a.data === b.data && a.selected === b.selected && a.id === b.id)
