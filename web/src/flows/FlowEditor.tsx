// The visual IVR flow editor: palette (from the schema), canvas
// (@xyflow/react), inspector, problems, simulate and versions. The draft
// is saved as it is edited (with node positions in its layout) and
// validated live by the API's validator.
import { memo, startTransition, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type Dispatch, type MutableRefObject, type SetStateAction } from 'react'
import { useNavigate, useParams } from 'react-router-dom'
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import './flows.css'
import { Alert, App, Badge, Button, Form, Input, Layout, List, Select, Spin, Tabs, Tag, Tooltip, Typography } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ApiError, client, unwrap, type Schemas } from '../lib/api'
import { FlowNodeView, portLabel, type CanvasNode, type NodeData } from './FlowNodeView'
import { Inspector, InspectorWarmup } from './Inspector'
import { SimulatePanel } from './SimulatePanel'
import { VersionsPanel } from './VersionsPanel'
import { addNode, autoLayout, connect, edgesOf, errorsOf, nodeTypes, pasteNodes, portsOf, removeNodes, renameNode, typeSpec, type FlowDoc, type FlowNode, type JSONSchema, type Position, type ValidationError } from './model'
import { downloadText } from './FlowsPage'

const nodeTypesMap = { flow: FlowNodeView }
const litStyle = { stroke: '#52c41a', strokeWidth: 3 }
type Visit = Schemas['ivrflows.Visit']

export function useFlowSchema() {
  return useQuery({ queryKey: ['flow-schema'], queryFn: () => unwrap(client.GET('/api/v1/flow-schema')) as Promise<JSONSchema>, staleTime: Infinity })
}

export default function FlowEditorPage() {
  const { id = '' } = useParams()
  return (
    <ReactFlowProvider>
      <FlowEditor key={id} flowId={id} />
    </ReactFlowProvider>
  )
}

type SaveState = 'saved' | 'dirty' | 'saving' | 'error'

function FlowEditor({ flowId }: { flowId: string }) {
  const { t, i18n } = useTranslation()
  const { message } = App.useApp()
  const navigate = useNavigate()
  const rf = useReactFlow()
  const schemaQ = useFlowSchema()
  const schema = schemaQ.data
  const flowQ = useQuery({ queryKey: ['flow', flowId], queryFn: () => unwrap(client.GET('/api/v1/flows/{id}', { params: { path: { id: flowId } } })), refetchOnWindowFocus: false, staleTime: Infinity })

  const [doc, setDoc] = useState<FlowDoc | null>(null)
  const [published, setPublished] = useState(0)
  const [errors, setErrors] = useState<ValidationError[]>([])
  const [checked, setChecked] = useState(false)
  const [save, setSave] = useState<SaveState>('saved')
  const [selected, setSelected] = useState<string[]>([])
  const [tab, setTab] = useState('inspect')
  const [path, setPath] = useState<{ visits: Visit[]; step: number }>({ visits: [], step: 0 })
  const [marks, setMarks] = useState<{ added: string[]; changed: string[] } | null>(null)
  // The canvas owns its nodes (so dragging re-renders the canvas, not the
  // panels); the editor updates them through this setter.
  const canvasSetter = useRef<Dispatch<SetStateAction<CanvasNode[]>>>()
  const setRfNodes = useCallback((fn: SetStateAction<CanvasNode[]>) => canvasSetter.current?.(fn), [])
  const hist = useRef<{ past: FlowDoc[]; future: FlowDoc[] }>({ past: [], future: [] })
  const clipboard = useRef<{ nodes: FlowNode[]; pos: Record<string, Position> } | null>(null)
  const wrapper = useRef<HTMLDivElement>(null)
  const docRef = useRef<FlowDoc | null>(null)
  const saveTimer = useRef<ReturnType<typeof setTimeout>>()
  const savePromise = useRef<Promise<void>>(Promise.resolve())
  // Fit the view when the flow opens with nodes; an empty canvas stays at
  // 100% so the first nodes dropped keep their size.
  const fitOnOpen = useRef<boolean>()
  if (doc && fitOnOpen.current === undefined) fitOnOpen.current = doc.nodes.length > 0

  // Load once; later the editor's state is the truth and is saved back.
  useEffect(() => {
    if (flowQ.data && !doc) {
      const d = (flowQ.data.draft ?? { id: flowId, nodes: [] }) as unknown as FlowDoc
      docRef.current = { ...d, nodes: d.nodes ?? [] }
      setDoc(docRef.current)
      setPublished(flowQ.data.published_version ?? 0)
      setErrors(flowQ.data.errors ?? [])
      setChecked(true)
    }
  }, [flowQ.data]) // eslint-disable-line react-hooks/exhaustive-deps

  // Every edit bumps editSeq; a save stores the document of one sequence
  // number and saves again when edits came in meanwhile.
  const editSeq = useRef(0)
  const savedSeq = useRef(0)
  const doSave = useCallback(async () => {
    const seq = editSeq.current
    const d = docRef.current
    if (!d || seq === savedSeq.current) return
    setSave('saving')
    try {
      const r = await unwrap(client.PUT('/api/v1/flows/{id}', { params: { path: { id: flowId } }, body: d as never }))
      savedSeq.current = seq
      setPublished(r.published_version ?? 0)
      setSave(editSeq.current === seq ? 'saved' : 'dirty')
    } catch (e) {
      setSave('error')
      message.error(e instanceof ApiError ? e.message : String(e))
      throw e
    }
  }, [flowId, message])
  const scheduleSave = useCallback(
    (delay: number) => {
      clearTimeout(saveTimer.current)
      saveTimer.current = setTimeout(() => {
        savePromise.current = savePromise.current
          .catch(() => undefined)
          .then(doSave)
          .then(() => {
            if (editSeq.current !== savedSeq.current) scheduleSave(300)
          })
      }, delay)
    },
    [doSave],
  )

  // edited takes a new document. A moved node's new position is already
  // on the canvas, so that update renders as a transition (React yields to
  // the browser in between), never as one long task.
  const edited = useCallback(
    (next: FlowDoc, background = false) => {
      docRef.current = next
      editSeq.current++
      const apply = () => {
        setDoc(next)
        setSave('dirty')
      }
      if (background) startTransition(apply)
      else apply()
      scheduleSave(800)
    },
    [scheduleSave],
  )

  // change records an edit (undo history) and schedules the save.
  const change = useCallback(
    (fn: (d: FlowDoc) => FlowDoc, background = false) => {
      const cur = docRef.current
      if (!cur) return
      const next = fn(cur)
      if (next === cur) return
      hist.current.past.push(cur)
      if (hist.current.past.length > 200) hist.current.past.shift()
      hist.current.future = []
      edited(next, background)
    },
    [edited],
  )
  const undo = useCallback(() => {
    const prev = hist.current.past.pop()
    if (!prev || !docRef.current) return
    hist.current.future.push(docRef.current)
    edited(prev)
  }, [edited])
  const redo = useCallback(() => {
    const next = hist.current.future.pop()
    if (!next || !docRef.current) return
    hist.current.past.push(docRef.current)
    edited(next)
  }, [edited])

  // flush saves now if anything is unsaved (before simulate and publish).
  const flush = useCallback(async () => {
    clearTimeout(saveTimer.current)
    savePromise.current = savePromise.current.catch(() => undefined).then(doSave)
    await savePromise.current
  }, [doSave])

  // Live validation after each edit.
  useEffect(() => {
    if (!doc || editSeq.current === 0) return
    setChecked(false)
    const v = setTimeout(async () => {
      try {
        const r = await unwrap(client.POST('/api/v1/flows/validate', { body: doc as never }))
        if (docRef.current === doc) {
          startTransition(() => {
            setErrors(r.errors ?? [])
            setChecked(true)
          })
        }
      } catch {
        /* the save reports problems */
      }
    }, 250)
    return () => clearTimeout(v)
  }, [doc])

  // Canvas nodes follow the document; unchanged nodes keep their object so
  // only what changed re-renders (dragging one node renders one node).
  const errCount = useMemo(() => {
    const m = new Map<string, number>()
    for (const e of errors) if (e.node) m.set(e.node, (m.get(e.node) ?? 0) + 1)
    return m
  }, [errors])
  const visited = useMemo(() => {
    const s = new Set<string>()
    path.visits.slice(0, path.step).forEach((v) => v.flow === flowId && s.add(v.node ?? ''))
    return s
  }, [path, flowId])
  const activeNode = path.step > 0 ? path.visits[path.step - 1]?.node : undefined
  useEffect(() => {
    if (!doc) return
    const added = new Set(marks?.added ?? [])
    const changed = new Set(marks?.changed ?? [])
    setRfNodes((prev) => {
      const pm = new Map(prev.map((n) => [n.id, n]))
      let same = prev.length === doc.nodes.length
      const next = doc.nodes.map((n, i) => {
        const old = pm.get(n.id)
        const data: NodeData = {
          node: n,
          spec: typeSpec(schema, n.type),
          errors: errCount.get(n.id) ?? 0,
          start: doc.start === n.id,
          visited: visited.has(n.id),
          active: activeNode === n.id,
          mark: added.has(n.id) ? 'added' : changed.has(n.id) ? 'changed' : undefined,
        }
        const pos = doc.layout?.[n.id] ?? old?.position ?? { x: 0, y: 0 }
        if (old && old.position.x === pos.x && old.position.y === pos.y && (Object.keys(data) as (keyof NodeData)[]).every((k) => old.data[k] === data[k])) {
          if (prev[i] !== old) same = false
          return old
        }
        same = false
        return { id: n.id, type: 'flow', position: pos, data, selected: old?.selected ?? false } as CanvasNode
      })
      // Nothing changed (a drag's end, a validation with the same
      // problems): the canvas keeps its array and does not re-render.
      return same ? prev : next
    })
  }, [doc, schema, errCount, visited, activeNode, marks])

  // Edges follow the nodes, not the layout: moving a node (a layout edit)
  // keeps the edge list, so a drag's end does not hand the canvas 700 new
  // edges. An edge that did not change keeps its object.
  const edgeCache = useRef(new Map<string, Edge>())
  const docNodes = doc?.nodes
  const edgeLabels = (docNodes?.length ?? 0) <= 100
  const edges: Edge[] = useMemo(() => {
    if (!docNodes) return []
    const taken = new Set<string>()
    path.visits.slice(0, path.step).forEach((v) => v.flow === flowId && taken.add(`${v.node}|${v.outcome}`))
    const byId = new Map(docNodes.map((n) => [n.id, n]))
    const cache = edgeCache.current
    const next = new Map<string, Edge>()
    const out = edgesOf({ id: '', nodes: docNodes } as FlowDoc, schema).map((e) => {
      const lit = taken.has(e.id)
      let label: string | undefined
      if (edgeLabels && e.sourceHandle !== 'next') {
        const src = byId.get(e.source)!
        const p = portsOf(src, typeSpec(schema, src.type)).find((x) => x.handle === e.sourceHandle)
        // The ports name every edge; labels on the lines too help small
        // flows and cost every drag frame in big ones.
        label = p ? portLabel(t, p) : undefined
      }
      const old = cache.get(e.id)
      const edge: Edge =
        old && old.source === e.source && old.target === e.target && old.sourceHandle === e.sourceHandle && old.label === label && !!old.animated === lit
          ? old
          : {
              id: e.id,
              source: e.source,
              sourceHandle: e.sourceHandle,
              target: e.target,
              targetHandle: 'in',
              label,
              animated: lit,
              className: lit ? 'lit' : undefined,
              style: lit ? litStyle : undefined,
            }
      next.set(e.id, edge)
      return edge
    })
    edgeCache.current = next
    return out
  }, [docNodes, edgeLabels, schema, path, flowId, t])

  // commitPositions writes moved nodes into the layout (one undo step; none
  // when nothing moved).
  const commitPositions = useCallback(
    (moved: { id: string; position: Position }[]) =>
      change((d) => {
        const ps = moved.map((m) => [m.id, { x: Math.round(m.position.x), y: Math.round(m.position.y) }] as const)
        if (ps.every(([id, p]) => d.layout?.[id]?.x === p.x && d.layout?.[id]?.y === p.y)) return d
        return { ...d, layout: { ...(d.layout ?? {}), ...Object.fromEntries(ps) } }
      }, true),
    [change],
  )
  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target || !c.sourceHandle) return
      change((d) => ({ ...d, nodes: d.nodes.map((n) => (n.id === c.source ? connect(n, c.sourceHandle!, c.target) : n)) }))
    },
    [change],
  )
  const deleteIds = useCallback((ids: string[]) => void (ids.length && change((d) => removeNodes(d, new Set(ids), schema))), [change, schema])
  const onEdgesDelete = useCallback(
    (es: Edge[]) => change((d) => ({ ...d, nodes: d.nodes.map((n) => es.filter((e) => e.source === n.id).reduce((m, e) => connect(m, e.sourceHandle!, undefined), n)) })),
    [change],
  )
  const onSelectionChange = useCallback(({ nodes }: OnSelectionChangeParams) => setSelected(nodes.map((n) => n.id)), [])

  const addAt = useCallback(
    (type: string, pos: Position) => {
      let newId = ''
      change((d) => {
        const r = addNode(d, type, pos)
        newId = r.id
        return r.doc
      })
      setTimeout(() => {
        setRfNodes((ns) => ns.map((n) => ({ ...n, selected: n.id === newId })))
        setSelected([newId])
        setTab('inspect')
      })
    },
    [change],
  )
  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault()
      const type = e.dataTransfer.getData('application/x-ipcc-node')
      if (!type) return
      addAt(type, rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }))
    },
    [addAt, rf],
  )
  const addCentered = useCallback(
    (type: string) => {
      const r = wrapper.current?.getBoundingClientRect()
      const p = rf.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 600) / 2, y: (r?.top ?? 0) + (r?.height ?? 400) / 2 })
      const n = docRef.current?.nodes.length ?? 0
      addAt(type, { x: p.x - 110 + n * 12, y: p.y - 40 + n * 12 })
    },
    [addAt, rf],
  )

  const copy = useCallback(() => {
    const d = docRef.current
    if (!d || !selected.length) return
    const ids = new Set(selected)
    clipboard.current = { nodes: d.nodes.filter((n) => ids.has(n.id)), pos: Object.fromEntries([...ids].map((id) => [id, d.layout?.[id] ?? { x: 0, y: 0 }])) }
    message.info(t('flows.copied', { count: ids.size }))
  }, [selected, message, t])
  const paste = useCallback(() => {
    const c = clipboard.current
    if (!c) return
    let ids: string[] = []
    change((d) => {
      const r = pasteNodes(d, c.nodes, c.pos, { x: 40, y: 40 }, schema)
      ids = r.ids
      return r.doc
    })
    setTimeout(() => setRfNodes((ns) => ns.map((n) => ({ ...n, selected: ids.includes(n.id) }))))
  }, [change, schema])
  const layout = useCallback(() => {
    change((d) => autoLayout(d, schema))
    setTimeout(() => rf.fitView({ duration: 200 }), 50)
  }, [change, schema, rf])

  // Keyboard: undo/redo, copy/paste, save, auto layout, fit (Delete is the canvas's own).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement
      if (el.closest('input, textarea, [contenteditable=true], .ant-select')) return
      const mod = e.ctrlKey || e.metaKey
      const k = e.key.toLowerCase()
      if (mod && k === 'z' && !e.shiftKey) undo()
      else if (mod && (k === 'y' || (k === 'z' && e.shiftKey))) redo()
      else if (mod && k === 'c') copy()
      else if (mod && k === 'v') paste()
      else if (mod && k === 's') flush().then(() => message.success(t('flows.saved')))
      else if (mod && k === 'a') setRfNodes((ns) => ns.map((n) => ({ ...n, selected: true })))
      else if (!mod && e.shiftKey && k === 'l') layout()
      else if (!mod && e.shiftKey && k === 'f') rf.fitView({ duration: 200 })
      else return
      e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [undo, redo, copy, paste, flush, layout, rf, message, t])

  // Keep unsaved work: save when the editor closes, warn before the tab does.
  const doSaveRef = useRef(doSave)
  doSaveRef.current = doSave
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (editSeq.current !== savedSeq.current) e.preventDefault()
    }
    window.addEventListener('beforeunload', warn)
    return () => {
      window.removeEventListener('beforeunload', warn)
      clearTimeout(saveTimer.current)
      if (editSeq.current !== savedSeq.current) void savePromise.current.catch(() => undefined).then(() => doSaveRef.current())
    }
  }, [])

  const publish = async () => {
    try {
      await flush()
      const r = await unwrap(client.POST('/api/v1/flows/{id}/publish', { params: { path: { id: flowId } } }))
      setPublished(r.version ?? 0)
      message.success(t('flows.publishedAs', { version: r.version }))
    } catch (e) {
      if (!(e instanceof ApiError)) throw e
      message.error(e.message)
    }
  }
  const exportYAML = async () => {
    await flush()
    const r = await unwrap(client.GET('/api/v1/flows/{id}/export', { params: { path: { id: flowId } } }))
    downloadText(`${flowId}.yaml`, r.yaml ?? '')
  }
  const { refetch } = flowQ
  const reload = useCallback(async () => {
    const r = await refetch()
    setPublished(r.data?.published_version ?? 0)
  }, [refetch])
  const onPath = useCallback((visits: Visit[], step: number) => setPath({ visits, step }), [])
  const onNodeChange = useCallback((n: FlowNode) => change((d) => ({ ...d, nodes: d.nodes.map((x) => (x.id === n.id ? n : x)) })), [change])
  const onRename = useCallback(
    (from: string, to: string) => {
      change((d) => renameNode(d, from, to, schema))
      setTimeout(() => setSelected([to]))
    },
    [change, schema],
  )
  const onSetStart = useCallback((id: string) => change((d) => ({ ...d, start: id })), [change])
  const onPickProblem = useCallback(
    (node: string) => {
      setRfNodes((ns) => ns.map((n) => ({ ...n, selected: n.id === node })))
      setSelected([node])
      setTab('inspect')
      const p = docRef.current?.layout?.[node]
      if (p) rf.setCenter(p.x + 110, p.y + 40, { duration: 200, zoom: rf.getZoom() })
    },
    [setRfNodes, rf],
  )
  // The inspector re-renders only when its node, the node ids or its
  // errors change (not when nodes are moved or other nodes edited).
  const nodes = doc?.nodes
  const nodeIds = useMemo(() => nodes?.map((n) => n.id) ?? [], [nodes])
  // Selecting a node (also at the start of a drag) mounts its form: a
  // deferred render, so the drag is never held up by it.
  const selId = useDeferredValue(selected.length === 1 ? selected[0] : undefined)
  const selErrorsKey = JSON.stringify(errors.filter((e) => e.node === selId))
  const selErrors = useMemo(() => JSON.parse(selErrorsKey) as ValidationError[], [selErrorsKey])

  if (flowQ.error) return <Alert type="error" message={(flowQ.error as Error).message} action={<Button onClick={() => navigate('/admin/flows')}>{t('flows.back')}</Button>} />
  if (!doc || !schema) return <Spin style={{ display: 'block', marginTop: 80 }} />

  const sel = selId ? doc.nodes.find((n) => n.id === selId) : undefined
  const invalid = errors.length > 0
  const saveTag = { saved: ['green', t('flows.saveState.saved')], dirty: ['default', t('flows.saveState.dirty')], saving: ['blue', t('flows.saveState.saving')], error: ['red', t('flows.saveState.error')] }[save]

  return (
    <Layout className="flow-editor" style={{ height: 'calc(100vh - 96px)', background: '#fff' }}>
      <div className="flow-toolbar" role="toolbar" aria-label={t('flows.toolbar')}>
        <Button size="small" onClick={() => navigate('/admin/flows')}>
          ← {t('flows.list')}
        </Button>
        <Typography.Text strong>{doc.name || doc.id}</Typography.Text>
        <Tag>{doc.id}</Tag>
        <Tag color={saveTag[0]} role="status" aria-label={t('flows.saveStatus')}>
          {saveTag[1]}
        </Tag>
        <span role="status" aria-label={t('flows.validity')}>
          {!checked ? <Tag>{t('flows.checking')}</Tag> : invalid ? <Tag color="red">{t('flows.problems', { count: errors.length })}</Tag> : <Tag color="green">{t('flows.valid')}</Tag>}
        </span>
        <Tag color={published ? 'blue' : 'default'}>{published ? t('flows.liveVersion', { version: published }) : t('flows.notPublished')}</Tag>
        <span style={{ flex: 1 }} />
        <Tooltip title="Ctrl+Z">
          <Button size="small" onClick={undo}>
            {t('flows.undo')}
          </Button>
        </Tooltip>
        <Tooltip title="Ctrl+Y">
          <Button size="small" onClick={redo}>
            {t('flows.redo')}
          </Button>
        </Tooltip>
        <Tooltip title="Ctrl+C / Ctrl+V">
          <Button size="small" onClick={copy} disabled={!selected.length}>
            {t('flows.copy')}
          </Button>
        </Tooltip>
        <Button size="small" onClick={paste}>
          {t('flows.paste')}
        </Button>
        <Tooltip title="Shift+L">
          <Button size="small" onClick={layout}>
            {t('flows.autoLayout')}
          </Button>
        </Tooltip>
        <Tooltip title="Shift+F">
          <Button size="small" onClick={() => rf.fitView({ duration: 200 })}>
            {t('flows.fit')}
          </Button>
        </Tooltip>
        <Button size="small" onClick={exportYAML}>
          {t('flows.export')}
        </Button>
        <Tooltip title={invalid ? t('flows.fixBeforePublish') : undefined}>
          <Button type="primary" size="small" disabled={invalid || !checked} onClick={publish}>
            {t('flows.publish')}
          </Button>
        </Tooltip>
      </div>
      <Layout hasSider style={{ background: '#fff', minHeight: 0 }}>
        <Layout.Sider width={170} theme="light" className="flow-palette" aria-label={t('flows.palette')} role="region">
          <Palette schema={schema} onAdd={addCentered} />
        </Layout.Sider>
        <Layout.Content style={{ position: 'relative', minWidth: 0 }}>
          <div ref={wrapper} style={{ position: 'absolute', inset: 0 }}>
            <FlowCanvas
              setterRef={canvasSetter}
              edges={edges}
              onCommit={commitPositions}
              onConnect={onConnect}
              onDeleteNodes={deleteIds}
              onEdgesDelete={onEdgesDelete}
              onSelectionChange={onSelectionChange}
              onDrop={onDrop}
              fitView={!!fitOnOpen.current}
              empty={doc.nodes.length === 0}
            />
          </div>
        </Layout.Content>
        <Layout.Sider width={380} theme="light" className="flow-side">
          <Tabs
            size="small"
            activeKey={tab}
            onChange={setTab}
            items={[
              {
                key: 'inspect',
                label: t('flows.inspector'),
                children: sel ? (
                  <Inspector key={sel.id} nodeIds={nodeIds} isStart={doc.start === sel.id} node={sel} schema={schema} errors={selErrors} onChange={onNodeChange} onRename={onRename} onSetStart={onSetStart} />
                ) : (
                  <FlowSettings doc={doc} errors={errors} onChange={(fn) => change(fn)} selectedCount={selected.length} />
                ),
              },
              {
                key: 'problems',
                label: (
                  <Badge count={errors.length} size="small" offset={[8, 0]}>
                    {t('flows.problemsTab')}
                  </Badge>
                ),
                children: <Problems errors={errors} onPick={onPickProblem} />,
              },
              { key: 'simulate', label: t('flows.simulate'), children: <SimulatePanel flowId={flowId} flush={flush} onPath={onPath} /> },
              { key: 'versions', label: t('flows.versions'), children: <VersionsPanel flowId={flowId} publishedVersion={published} onChanged={reload} onMarks={setMarks} /> },
            ]}
          />
          <InspectorWarmup />
        </Layout.Sider>
      </Layout>
      <span hidden>{i18n.language}</span>
    </Layout>
  )
}

// FlowSettings edits the flow itself: name, start node, language.
function FlowSettings({ doc, errors, onChange, selectedCount }: { doc: FlowDoc; errors: ValidationError[]; onChange: (fn: (d: FlowDoc) => FlowDoc) => void; selectedCount: number }) {
  const { t } = useTranslation()
  const help = (f: string) => errorsOf(errors, '', f).map((e) => e.message).join('; ') || undefined
  return (
    <Form layout="vertical" size="small" aria-label={t('flows.flowSettings')}>
      <Typography.Paragraph type="secondary">{selectedCount > 1 ? t('flows.manySelected', { count: selectedCount }) : t('flows.selectHint')}</Typography.Paragraph>
      <Form.Item label={t('flows.name')}>
        <Input aria-label={t('flows.name')} value={doc.name ?? ''} onChange={(e) => onChange((d) => ({ ...d, name: e.target.value }))} />
      </Form.Item>
      <Form.Item label={t('flows.startNode')} validateStatus={help('start') ? 'error' : undefined} help={help('start')}>
        <Select aria-label={t('flows.startNode')} value={doc.start || undefined} options={doc.nodes.map((n) => ({ value: n.id, label: n.id }))} onChange={(v) => onChange((d) => ({ ...d, start: v }))} />
      </Form.Item>
      <Form.Item label={t('flows.language')} validateStatus={help('language') ? 'error' : undefined} help={help('language')}>
        <Select
          aria-label={t('flows.language')}
          value={doc.language ?? 'zh-CN'}
          options={[
            { value: 'zh-CN', label: '简体中文 zh-CN' },
            { value: 'en', label: 'English en' },
          ]}
          onChange={(v) => onChange((d) => ({ ...d, language: v }))}
        />
      </Form.Item>
      {errorsOf(errors, '').length > 0 && <Alert type="error" message={errorsOf(errors, '').map((e) => `${e.field ?? ''}: ${e.message}`).join('\n')} />}
    </Form>
  )
}

type CanvasProps = {
  setterRef: MutableRefObject<Dispatch<SetStateAction<CanvasNode[]>> | undefined>
  edges: Edge[]
  onCommit: (moved: { id: string; position: Position }[]) => void
  onConnect: (c: Connection) => void
  onDeleteNodes: (ids: string[]) => void
  onEdgesDelete: (es: Edge[]) => void
  onSelectionChange: (p: OnSelectionChangeParams) => void
  onDrop: (e: React.DragEvent) => void
  fitView: boolean
  empty: boolean
}

// FlowCanvas draws the graph. It holds the canvas nodes itself, so a drag
// (a change per mouse move) re-renders the canvas and the moved node only.
const FlowCanvas = memo(function FlowCanvas(p: CanvasProps) {
  const { t } = useTranslation()
  const [nodes, setNodes] = useState<CanvasNode[]>([])
  p.setterRef.current = setNodes
  const { onCommit } = p
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      setNodes((ns) => applyNodeChanges(changes, ns))
      const moved = changes.filter((c) => c.type === 'position' && !c.dragging && c.position) as { id: string; position: Position }[]
      if (moved.length) onCommit(moved)
    },
    [onCommit],
  )
  // While a node is dragged the canvas draws as little as it can: the
  // minimap is hidden (display: none, so the browser neither lays it out
  // nor paints it; no remount), and a selection made by the drag reaches
  // the editor (which mounts the inspector's form) only when the drag ends.
  // The minimap is hidden through its own inline style, never a class on
  // an ancestor: a change of an element's class attribute makes the
  // browser restyle every descendant that has a class (Ant Design's
  // [class^="ant-input"] [class*=" ant-input"] rules), which with the
  // whole flow in view is every node, port, handle and edge — thousands
  // of elements at the drag's start.
  const wrapRef = useRef<HTMLDivElement>(null)
  const draggingRef = useRef(false)
  const pendingSel = useRef<OnSelectionChangeParams>()
  const { onSelectionChange } = p
  const onNodeDragStart = useCallback(() => {
    draggingRef.current = true
    minimapStyle(wrapRef.current)?.setProperty('display', 'none')
  }, [])
  const onNodeDragStop = useCallback(
    (_: unknown, _n: CanvasNode, ns: CanvasNode[]) => {
      draggingRef.current = false
      minimapStyle(wrapRef.current)?.removeProperty('display')
      onCommit(ns)
      const sel = pendingSel.current
      pendingSel.current = undefined
      // The selection (which re-renders the editor and mounts the
      // inspector) follows in a task of its own, as a transition React
      // may interrupt, not in the one that ends the drag.
      if (sel) setTimeout(() => startTransition(() => onSelectionChange(sel)), 0)
    },
    [onCommit, onSelectionChange],
  )
  const onSel = useCallback(
    (sel: OnSelectionChangeParams) => {
      if (draggingRef.current) pendingSel.current = sel
      else onSelectionChange(sel)
    },
    [onSelectionChange],
  )
  const { onDeleteNodes } = p
  const onNodesDelete = useCallback((ns: CanvasNode[]) => onDeleteNodes(ns.map((n) => n.id)), [onDeleteNodes])
  return (
    <div ref={wrapRef} style={{ position: 'absolute', inset: 0 }} onDragOver={(e) => (e.preventDefault(), (e.dataTransfer.dropEffect = 'move'))} onDrop={p.onDrop} data-testid="flow-canvas">
      <ReactFlow<CanvasNode, Edge>
        nodes={nodes}
        edges={p.edges}
        nodeTypes={nodeTypesMap}
        onNodesChange={onNodesChange}
        onNodeDragStart={onNodeDragStart}
        onNodeDragStop={onNodeDragStop}
        onConnect={p.onConnect}
        onNodesDelete={onNodesDelete}
        onEdgesDelete={p.onEdgesDelete}
        onSelectionChange={onSel}
        deleteKeyCode={deleteKeys}
        multiSelectionKeyCode={multiKeys}
        fitView={p.fitView}
        minZoom={0.1}
        onlyRenderVisibleElements={nodes.length > 150}
        proOptions={proOptions}
      >
        <Background />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable ariaLabel={t('flows.minimap')} />
      </ReactFlow>
      {p.empty && <div className="flow-empty">{t('flows.emptyCanvas')}</div>}
    </div>
  )
})
const minimapStyle = (canvas: HTMLElement | null) => canvas?.querySelector<HTMLElement>('.react-flow__minimap')?.style
const deleteKeys = ['Delete', 'Backspace']
const multiKeys = ['Shift', 'Meta', 'Control']
const proOptions = { hideAttribution: true }

// Palette lists every node type of the schema; drag one onto the canvas,
// or press Enter on it.
const Palette = memo(function Palette({ schema, onAdd }: { schema: JSONSchema; onAdd: (type: string) => void }) {
  const { t } = useTranslation()
  return (
    <>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('flows.paletteHelp')}
      </Typography.Text>
          {nodeTypes(schema).map((type) => (
            <Tooltip key={type} placement="right" title={t(`flows.typeDoc.${type}`, { defaultValue: typeSpec(schema, type)?.description ?? '' })}>
              <div
                className="flow-palette-item"
                role="button"
                tabIndex={0}
                draggable
                data-type={type}
                aria-label={`${t('flows.addNode')} ${t(`flows.type.${type}`, { defaultValue: type })}`}
                onDragStart={(e) => {
                  e.dataTransfer.setData('application/x-ipcc-node', type)
                  e.dataTransfer.effectAllowed = 'move'
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault()
                    onAdd(type)
                  }
                }}
                onDoubleClick={() => onAdd(type)}
              >
                {t(`flows.type.${type}`, { defaultValue: type })}
                <span className="flow-palette-type">{type}</span>
              </div>
            </Tooltip>
          ))}
    </>
  )
})

const Problems = memo(function Problems({ errors, onPick }: { errors: ValidationError[]; onPick: (node: string) => void }) {
  const { t } = useTranslation()
  return (
    <List
      size="small"
      aria-label={t('flows.problemsTab')}
      locale={{ emptyText: t('flows.noProblems') }}
      dataSource={errors}
      renderItem={(e) => (
        <List.Item style={{ cursor: e.node ? 'pointer' : undefined }} onClick={() => e.node && onPick(e.node)}>
          <span>
            {e.node && <Tag>{e.node}</Tag>}
            {e.field && <code>{e.field}</code>} {e.message}
          </span>
        </List.Item>
      )}
    />
  )
})
