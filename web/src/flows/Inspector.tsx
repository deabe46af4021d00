// The inspector: a form for the selected node, generated from the node
// type's JSON Schema (x-order, x-kind, enum, default, description), with
// the validator's errors at their field.
import { Button, Form, Input, InputNumber, Select, Space, Switch, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { memo, startTransition, useEffect, useState } from 'react'
import { errorsOf, keyOrder, setField, typeSpec, type FlowNode, type JSONSchema, type ValidationError } from './model'

type Props = {
  nodeIds: string[]
  isStart: boolean
  node: FlowNode
  schema: JSONSchema
  errors: ValidationError[]
  onChange: (n: FlowNode) => void
  onRename: (from: string, to: string) => void
  onSetStart: (id: string) => void
}

type PromptItem = Record<string, unknown>
const itemKinds = ['tts', 'file', 'library', 'number', 'digits', 'tone', 'silence']

export function fieldLabel(t: (k: string, o?: Record<string, unknown>) => string, field: string) {
  return t(`flows.field.${field}`, { defaultValue: field })
}

export const Inspector = memo(function Inspector({ nodeIds: allIds, isStart, node, schema, errors, onChange, onRename, onSetStart }: Props) {
  const { t } = useTranslation()
  const spec = typeSpec(schema, node.type)
  const nodeIds = allIds.filter((id) => id !== node.id)
  const targetOptions = nodeIds.map((id) => ({ value: id, label: id }))
  const langs = (schema.$defs?.localized?.oneOf?.[1]?.properties && Object.keys(schema.$defs.localized.oneOf[1].properties)) || ['zh-CN', 'en']
  const set = (field: string, v: unknown) => onChange(setField(node, field, v, spec))
  const order = spec?.['x-order'] ?? []
  // The form is mounted a few fields at a time, one commit each, so that
  // selecting a node (the first selection mounts every widget: prompt
  // editors, selects) never holds the page for one long task.
  const [shown, setShown] = useState(fieldChunk)
  const total = order.length
  useEffect(() => {
    if (shown >= total) return
    const h = setTimeout(() => startTransition(() => setShown((n) => n + fieldChunk)), 0)
    return () => clearTimeout(h)
  }, [shown, total])
  const required = new Set(spec?.required ?? [])

  const help = (field: string) => {
    const es = errorsOf(errors, node.id, field)
    return es.length ? es.map((e) => (e.field && e.field !== field ? `${e.field}: ${e.message}` : e.message)).join('; ') : undefined
  }

  const widget = (field: string, fs: JSONSchema) => {
    const v = node[field]
    const label = fieldLabel(t, field)
    switch (fs['x-kind']) {
      case 'text':
        return <Input.TextArea aria-label={label} autoSize={{ minRows: 1, maxRows: 6 }} value={(v as string) ?? ''} onChange={(e) => set(field, e.target.value)} />
      case 'integer':
        return <InputNumber aria-label={label} min={fs.minimum} max={fs.maximum} placeholder={fs.default} value={(v as number) ?? null} onChange={(x) => set(field, x ?? undefined)} />
      case 'boolean':
        return <Switch aria-label={label} checked={v === undefined ? fs.default === 'true' : !!v} onChange={(x) => set(field, x)} />
      case 'enum':
        return <Select aria-label={label} allowClear placeholder={fs.default} value={(v as string) || undefined} options={(fs.enum ?? []).map((e) => ({ value: e, label: t(`flows.enum.${e}`, { defaultValue: e }) }))} onChange={(x) => set(field, x)} />
      case 'duration':
        return <Input aria-label={label} placeholder={fs.default ?? '5s'} value={(v as string) ?? ''} onChange={(e) => set(field, e.target.value.trim())} />
      case 'edge':
        return <Select aria-label={label} allowClear showSearch placeholder={t('flows.pickNode')} value={(v as string) || undefined} options={targetOptions} onChange={(x) => set(field, x)} />
      case 'prompt':
        return <PromptEditor label={label} langs={langs} value={(v as PromptItem[]) ?? []} onChange={(x) => set(field, x)} />
      case 'edges':
        return <KeyedEditor label={label} fixedKeys={fs.properties ? Object.keys(fs.properties) : undefined} value={(v as Record<string, string>) ?? {}} targets={targetOptions} onChange={(x) => set(field, x)} />
      case 'map':
        return <KeyedEditor label={label} value={(v as Record<string, string>) ?? {}} onChange={(x) => set(field, x)} />
      case 'assignments':
        return <ListEditor label={label} cols={['var', 'expr']} value={(v as Record<string, string>[]) ?? []} onChange={(x) => set(field, x)} />
      case 'conditions':
        return <ListEditor label={label} cols={['if', 'next']} targets={targetOptions} value={(v as Record<string, string>[]) ?? []} onChange={(x) => set(field, x)} />
      default:
        return <Input aria-label={label} placeholder={fs.default} value={(v as string) ?? ''} onChange={(e) => set(field, e.target.value)} />
    }
  }

  return (
    <Form layout="vertical" size="small" aria-label={t('flows.inspector')} onSubmitCapture={(e) => e.preventDefault()}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        <strong>{t(`flows.type.${node.type}`, { defaultValue: node.type })}</strong> — {t(`flows.typeDoc.${node.type}`, { defaultValue: spec?.description ?? '' })}
      </Typography.Paragraph>
      <Form.Item label={fieldLabel(t, 'id')} required validateStatus={help('id') ? 'error' : undefined} help={help('id')}>
        <RenameInput id={node.id} taken={new Set(nodeIds)} onRename={(to) => onRename(node.id, to)} />
      </Form.Item>
      {!isStart ? (
        <Button size="small" style={{ marginBottom: 12 }} onClick={() => onSetStart(node.id)}>
          {t('flows.setStart')}
        </Button>
      ) : (
        <Typography.Paragraph type="success">{t('flows.isStart')}</Typography.Paragraph>
      )}
      {order
        .filter((f) => f !== 'id')
        .slice(0, shown)
        .map((f) => {
          const fs = spec?.properties?.[f]
          if (!fs) return null
          const h = help(f)
          return (
            <Form.Item
              key={f}
              label={fieldLabel(t, f)}
              required={required.has(f)}
              tooltip={t(`flows.fieldDoc.${node.type}.${f}`, { defaultValue: t(`flows.fieldDoc.${f}`, { defaultValue: fs.description ?? '' }) }) || undefined}
              validateStatus={h ? 'error' : undefined}
              help={h}
              data-field={f}
            >
              {widget(f, fs)}
            </Form.Item>
          )
        })}
    </Form>
  )
})

// fieldChunk is how many fields of the inspector mount in one commit.
const fieldChunk = 4

function RenameInput({ id, taken, onRename }: { id: string; taken: Set<string>; onRename: (to: string) => void }) {
  const { t } = useTranslation()
  const [v, setV] = useState(id)
  const [cur, setCur] = useState(id)
  if (cur !== id) {
    setCur(id)
    setV(id)
  }
  const ok = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(v) && !taken.has(v)
  const commit = () => {
    if (v !== id && ok) onRename(v)
    else setV(id)
  }
  return (
    <Input
      aria-label={t('flows.field.id')}
      value={v}
      status={ok || v === id ? undefined : 'error'}
      onChange={(e) => setV(e.target.value)}
      onBlur={commit}
      onPressEnter={commit}
    />
  )
}

function PromptEditor({ label, langs, value, onChange }: { label: string; langs: string[]; value: PromptItem[]; onChange: (v: PromptItem[]) => void }) {
  const { t } = useTranslation()
  const kindOf = (it: PromptItem) => itemKinds.find((k) => it[k] !== undefined) ?? 'tts'
  const put = (i: number, it: PromptItem) => onChange(value.map((x, j) => (j === i ? it : x)))
  return (
    <div role="group" aria-label={label} className="flow-prompt">
      {value.map((it, i) => {
        const kind = kindOf(it)
        const v = it[kind]
        const perLang = typeof v === 'object' && v !== null ? (v as Record<string, string>) : null
        return (
          <div key={i} className="flow-prompt-item">
            <Space.Compact style={{ width: '100%' }}>
              <Select
                aria-label={`${label} ${i + 1} ${t('flows.promptKind')}`}
                value={kind}
                style={{ width: 110 }}
                options={itemKinds.map((k) => ({ value: k, label: t(`flows.prompt.${k}`) }))}
                onChange={(k) => put(i, { [k]: k === 'tts' || k === 'file' ? Object.fromEntries(langs.map((l) => [l, ''])) : k === 'silence' ? 500 : '' })}
              />
              <Button aria-label={`${t('flows.remove')} ${label} ${i + 1}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
                ×
              </Button>
            </Space.Compact>
            {(kind === 'tts' || kind === 'file') &&
              (perLang ? langs : ['*']).map((l) => (
                <Input
                  key={l}
                  size="small"
                  addonBefore={l === '*' ? t('flows.allLanguages') : l}
                  aria-label={`${label} ${i + 1} ${l === '*' ? '' : l}`.trim()}
                  value={l === '*' ? (v as string) : (perLang?.[l] ?? '')}
                  onChange={(e) => put(i, { [kind]: l === '*' ? e.target.value : { ...perLang, [l]: e.target.value } })}
                  style={{ marginTop: 4 }}
                />
              ))}
            {kind === 'silence' && <InputNumber size="small" aria-label={`${label} ${i + 1} ms`} min={1} max={60000} value={v as number} onChange={(x) => put(i, { silence: x ?? 0 })} style={{ marginTop: 4 }} />}
            {(kind === 'number' || kind === 'digits' || kind === 'tone' || kind === 'library') && (
              <Input size="small" aria-label={`${label} ${i + 1} ${kind}`} value={v as string} onChange={(e) => put(i, { [kind]: e.target.value })} style={{ marginTop: 4 }} />
            )}
          </div>
        )
      })}
      <Button size="small" onClick={() => onChange([...value, { tts: Object.fromEntries(langs.map((l) => [l, ''])) }])}>
        + {t('flows.addPromptItem')}
      </Button>
    </div>
  )
}

function KeyedEditor({ label, value, targets, fixedKeys, onChange }: { label: string; value: Record<string, string>; targets?: { value: string; label: string }[]; fixedKeys?: string[]; onChange: (v: Record<string, string>) => void }) {
  const { t } = useTranslation()
  const [newKey, setNewKey] = useState('')
  const keys = fixedKeys ?? Object.keys(value).sort(keyOrder)
  const rename = (from: string, to: string) => {
    if (!to || to === from || to in value) return
    onChange(Object.fromEntries(Object.entries(value).map(([k, v]) => [k === from ? to : k, v])))
  }
  return (
    <div role="group" aria-label={label}>
      {keys.map((k) => (
        <Space.Compact key={k} style={{ width: '100%', marginBottom: 4 }}>
          {fixedKeys ? (
            <Input value={t(`flows.branch.${k}`, { defaultValue: k })} disabled style={{ width: 90 }} />
          ) : (
            <Input aria-label={`${label} ${k} ${t('flows.key')}`} defaultValue={k} style={{ width: 90 }} onBlur={(e) => rename(k, e.target.value.trim())} />
          )}
          {targets ? (
            <Select aria-label={`${label} ${k}`} allowClear showSearch style={{ flex: 1 }} placeholder={t('flows.pickNode')} value={value[k] || undefined} options={targets} onChange={(x) => onChange(x ? { ...value, [k]: x } : Object.fromEntries(Object.entries(value).filter(([kk]) => kk !== k)))} />
          ) : (
            <Input aria-label={`${label} ${k}`} value={value[k]} onChange={(e) => onChange({ ...value, [k]: e.target.value })} />
          )}
          {!fixedKeys && (
            <Button aria-label={`${t('flows.remove')} ${label} ${k}`} onClick={() => onChange(Object.fromEntries(Object.entries(value).filter(([kk]) => kk !== k)))}>
              ×
            </Button>
          )}
        </Space.Compact>
      ))}
      {!fixedKeys && (
        <Space.Compact style={{ width: '100%' }}>
          <Input aria-label={`${label} ${t('flows.newKey')}`} placeholder={t('flows.newKey')} value={newKey} onChange={(e) => setNewKey(e.target.value)} />
          <Button
            disabled={!newKey.trim() || newKey.trim() in value}
            onClick={() => {
              onChange({ ...value, [newKey.trim()]: targets ? (targets[0]?.value ?? '') : '' })
              setNewKey('')
            }}
          >
            {t('flows.add')}
          </Button>
        </Space.Compact>
      )}
    </div>
  )
}

function ListEditor({ label, cols, value, targets, onChange }: { label: string; cols: [string, string]; value: Record<string, string>[]; targets?: { value: string; label: string }[]; onChange: (v: Record<string, string>[]) => void }) {
  const { t } = useTranslation()
  const put = (i: number, k: string, v: string) => onChange(value.map((x, j) => (j === i ? { ...x, [k]: v } : x)))
  return (
    <div role="group" aria-label={label}>
      {value.map((row, i) => (
        <Space.Compact key={i} style={{ width: '100%', marginBottom: 4 }}>
          <Input aria-label={`${label} ${i + 1} ${cols[0]}`} placeholder={cols[0]} value={row[cols[0]] ?? ''} onChange={(e) => put(i, cols[0], e.target.value)} style={{ width: '40%' }} />
          {targets && cols[1] === 'next' ? (
            <Select aria-label={`${label} ${i + 1} ${cols[1]}`} showSearch style={{ flex: 1 }} placeholder={t('flows.pickNode')} value={row.next || undefined} options={targets} onChange={(x) => put(i, 'next', x ?? '')} />
          ) : (
            <Input aria-label={`${label} ${i + 1} ${cols[1]}`} placeholder={cols[1]} value={row[cols[1]] ?? ''} onChange={(e) => put(i, cols[1], e.target.value)} />
          )}
          <Button aria-label={`${t('flows.remove')} ${label} ${i + 1}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
            ×
          </Button>
        </Space.Compact>
      ))}
      <Button size="small" onClick={() => onChange([...value, { [cols[0]]: '', [cols[1]]: '' }])}>
        + {t('flows.add')}
      </Button>
    </div>
  )
}

// InspectorWarmup renders, hidden, one of each widget the inspector's
// forms are made of (in the inspector's small vertical form, with a field
// tooltip and an error). Ant Design builds a component's styles (CSS-in-JS)
// when the first one mounts, and drops them when the last one unmounts; the
// first selection of a node used to pay for all of them in one task after
// a drag (55–64 ms). Mounted once the editor is idle and kept mounted, it
// takes that work off the first selection. Its widgets have no labels, so
// nothing that looks for the inspector's fields finds them.
export const InspectorWarmup = memo(function InspectorWarmup() {
  const [step, setStep] = useState(0)
  useEffect(() => {
    if (step >= warmParts.length) return
    const next = () => startTransition(() => setStep((n) => n + 1))
    if (typeof window.requestIdleCallback === 'function') {
      const h = window.requestIdleCallback(next, { timeout: 2000 })
      return () => window.cancelIdleCallback(h)
    }
    const h = window.setTimeout(next, 50)
    return () => window.clearTimeout(h)
  }, [step])
  return (
    <div className="flow-warmup" hidden aria-hidden="true">
      <Form layout="vertical" size="small" component={false}>
        {warmParts.slice(0, step).map((Part, i) => (
          <Part key={i} />
        ))}
      </Form>
    </div>
  )
})

const noop = () => undefined
const warmParts: (() => JSX.Element)[] = [
  () => (
    <Form.Item label="·" required tooltip="·" validateStatus="error" help="·">
      <Input value="" onChange={noop} />
    </Form.Item>
  ),
  () => (
    <Form.Item label="·">
      <Typography.Paragraph type="secondary">·</Typography.Paragraph>
      <Typography.Paragraph type="success">·</Typography.Paragraph>
      <Button size="small">·</Button>
    </Form.Item>
  ),
  () => (
    <Form.Item label="·">
      <Space.Compact style={{ width: '100%' }}>
        <Select value="a" options={[{ value: 'a', label: '·' }]} style={{ width: 110 }} />
        <Button>·</Button>
      </Space.Compact>
      <Input size="small" addonBefore="·" value="" onChange={noop} />
    </Form.Item>
  ),
  () => (
    <Form.Item label="·">
      <Select allowClear showSearch placeholder="·" options={[]} />
      <Input value="·" disabled style={{ width: 90 }} />
    </Form.Item>
  ),
  () => (
    <Form.Item label="·">
      <InputNumber size="small" value={1} />
      <InputNumber placeholder="·" value={null} />
      <Switch checked={false} />
    </Form.Item>
  ),
  () => (
    <Form.Item label="·">
      <Input.TextArea rows={1} value="" onChange={noop} />
    </Form.Item>
  ),
]
