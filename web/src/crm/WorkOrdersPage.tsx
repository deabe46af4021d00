// Work orders (工单) for agents and supervisors: search, the list (agents
// see theirs and their queues'), and a drawer with the order's full
// history, comments, attachments and the status moves its type allows.
// Work-order events on the WebSocket refresh it and notify.
import { useState } from 'react'
import { Alert, Button, Card, Descriptions, Drawer, Form, Input, Select, Space, Table, Tag, Timeline, Typography, Upload } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError, client, unwrap } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { download } from '../admin/http'
import { getSession, useSession } from '../lib/session'
import { fieldText } from './FieldInputs'
import { useWorkOrderEvents } from './events'
import { priorityColor, type WorkOrder, type WorkOrderType } from './types'

type Filter = { status?: string; type?: string; q?: string; open?: string; breached?: string }

export default function WorkOrdersPage() {
  const { t } = useTranslation()
  const tz = useTimezone()
  const role = useSession()?.user.role
  const [filter, setFilter] = useState<Filter>({})
  const [open, setOpen] = useState<number | undefined>()
  useWorkOrderEvents()
  const types = useQuery({ queryKey: ['crm', 'types'], queryFn: () => unwrap(client.GET('/api/v1/workorder-types')) })
  const list = useQuery({
    queryKey: ['crm', 'workorders', filter],
    queryFn: () => unwrap(client.GET('/api/v1/workorders', { params: { query: Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) as never } })),
  })
  const typeName = (id?: string) => types.data?.find((x) => x.id === id)?.name ?? id
  const statusLabel = (w: WorkOrder) => types.data?.find((x) => x.id === w.type)?.statuses?.find((s) => s.id === w.status)?.label ?? w.status
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t('crm.wo.pageTitle')}</Typography.Title>}
      extra={role === 'admin' || role === 'supervisor' ? <Button onClick={() => void download('/api/v1/workorders/report?format=csv', 'workorders-report.csv')}>{t('crm.wo.reportCSV')}</Button> : undefined}>
      <Form layout="inline" onFinish={(v: Filter) => setFilter(v)} style={{ marginBottom: 12, rowGap: 8 }} aria-label={t('crm.wo.search')}>
        <Form.Item name="q"><Input placeholder={t('crm.wo.searchText')} aria-label={t('crm.wo.searchText')} allowClear /></Form.Item>
        <Form.Item name="type"><Select placeholder={t('crm.wo.type')} aria-label={t('crm.wo.type')} allowClear style={{ width: 140 }} options={(types.data ?? []).map((x) => ({ value: x.id, label: x.name }))} /></Form.Item>
        <Form.Item name="open"><Select placeholder={t('crm.wo.openOnly')} aria-label={t('crm.wo.openOnly')} allowClear style={{ width: 140 }} options={[{ value: '1', label: t('crm.wo.openOnly') }]} /></Form.Item>
        <Form.Item name="breached"><Select placeholder={t('crm.wo.breached')} aria-label={t('crm.wo.breached')} allowClear style={{ width: 140 }} options={[{ value: '1', label: t('crm.wo.breached') }]} /></Form.Item>
        <Button htmlType="submit" type="primary">{t('crm.wo.search')}</Button>
      </Form>
      {list.error ? <Alert type="error" showIcon message={(list.error as Error).message} /> : null}
      <Table<WorkOrder>
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        onRow={(w) => ({ onClick: () => setOpen(w.id) })}
        columns={[
          { title: '#', dataIndex: 'id', width: 60, render: (id: number) => <a onClick={() => setOpen(id)}>{id}</a> },
          { title: t('crm.wo.title'), dataIndex: 'title' },
          { title: t('crm.wo.type'), dataIndex: 'type', render: (x: string) => typeName(x) },
          { title: t('crm.wo.status'), key: 'status', render: (_, w) => statusLabel(w) },
          { title: t('crm.wo.priority'), dataIndex: 'priority', render: (p: string) => <Tag color={priorityColor[p]}>{t(`crm.priority.${p}`)}</Tag> },
          { title: t('crm.wo.assignee'), key: 'assignee', render: (_, w) => w.assignee_agent || (w.assignee_queue ? `${t('crm.wo.queue')} ${w.assignee_queue}` : '') },
          { title: t('crm.wo.sla'), key: 'sla', render: (_, w) => (w.sla_breached ? <Tag color="red">{t('crm.wo.breached')}</Tag> : w.due_at ? fmtDateTime(w.due_at, tz) : '') },
          { title: t('crm.wo.createdAt'), dataIndex: 'created_at', render: (x: string) => fmtDateTime(x, tz) },
        ]}
      />
      {open !== undefined && <WorkOrderDrawer id={open} types={types.data ?? []} onClose={() => setOpen(undefined)} />}
    </Card>
  )
}

function WorkOrderDrawer({ id, types, onClose }: { id: number; types: WorkOrderType[]; onClose: () => void }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const qc = useQueryClient()
  const [err, setErr] = useState('')
  const [comment, setComment] = useState('')
  const q = useQuery({ queryKey: ['crm', 'workorder', String(id)], queryFn: () => unwrap(client.GET('/api/v1/workorders/{id}', { params: { path: { id: String(id) } } })) })
  const w = q.data
  const typ = types.find((x) => x.id === w?.type)
  const label = (s?: string) => typ?.statuses?.find((x) => x.id === s)?.label ?? s
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['crm', 'workorder', String(id)] })
    void qc.invalidateQueries({ queryKey: ['crm', 'workorders'] })
  }
  const act = async (f: () => Promise<unknown>) => {
    setErr('')
    try {
      await f()
      refresh()
    } catch (e) {
      setErr(e instanceof ApiError ? e.message : String(e))
    }
  }
  const move = (to: string) => act(() => unwrap(client.PATCH('/api/v1/workorders/{id}', { params: { path: { id: String(id) } }, body: { status: to } })))
  const addComment = () => act(async () => {
    await unwrap(client.POST('/api/v1/workorders/{id}/comments', { params: { path: { id: String(id) } }, body: { text: comment } }))
    setComment('')
  })
  const attach = (file: File) => act(async () => {
    const s = getSession()
    const res = await fetch(`/api/v1/workorders/${id}/attachments?name=${encodeURIComponent(file.name)}`, {
      method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream', ...(s ? { Authorization: `Bearer ${s.token}` } : {}) },
    })
    if (!res.ok) {
      const b = (await res.json().catch(() => undefined)) as { error?: { message?: string; code?: string } } | undefined
      throw new ApiError(res.status, b?.error?.code ?? 'error', b?.error?.message ?? res.statusText)
    }
  })
  const moves = (w && typ?.transitions?.[w.status ?? '']) ?? []
  return (
    <Drawer open width={640} onClose={onClose} title={w ? `#${w.id} ${w.title}` : t('crm.wo.loading')}>
      {err && <Alert type="error" showIcon message={err} style={{ marginBottom: 8 }} />}
      {w && (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('crm.wo.type')}>{typ?.name ?? w.type}</Descriptions.Item>
            <Descriptions.Item label={t('crm.wo.status')}><Tag>{label(w.status)}</Tag></Descriptions.Item>
            <Descriptions.Item label={t('crm.wo.priority')}><Tag color={priorityColor[w.priority ?? '']}>{t(`crm.priority.${w.priority}`)}</Tag></Descriptions.Item>
            <Descriptions.Item label={t('crm.wo.assignee')}>{w.assignee_name || w.assignee_agent || w.assignee_queue}</Descriptions.Item>
            <Descriptions.Item label={t('crm.wo.call')}>{w.call_id}</Descriptions.Item>
            <Descriptions.Item label={t('crm.wo.sla')}>{w.sla_breached ? <Tag color="red">{t('crm.wo.breached')}</Tag> : w.due_at ? fmtDateTime(w.due_at, tz) : ''}</Descriptions.Item>
            <Descriptions.Item label={t('crm.wo.description')} span={2}>{w.description}</Descriptions.Item>
            {(typ?.fields ?? []).map((f) => (
              <Descriptions.Item key={f.name} label={f.label}>{fieldText(f, w.fields?.[f.name ?? ''], t('crm.yes'), t('crm.no'))}</Descriptions.Item>
            ))}
          </Descriptions>
          {moves.length > 0 && (
            <Space wrap aria-label={t('crm.wo.moves')}>
              {moves.map((m) => <Button key={m} onClick={() => void move(m)}>{t('crm.wo.moveTo', { status: label(m) })}</Button>)}
            </Space>
          )}
          <Space.Compact style={{ width: '100%' }}>
            <Input value={comment} onChange={(e) => setComment(e.target.value)} placeholder={t('crm.wo.comment')} aria-label={t('crm.wo.comment')} />
            <Button onClick={() => void addComment()} disabled={!comment.trim()}>{t('crm.wo.addComment')}</Button>
          </Space.Compact>
          <Upload beforeUpload={(f) => { void attach(f); return false }} showUploadList={false}>
            <Button>{t('crm.wo.attach')}</Button>
          </Upload>
          {(w.attachments ?? []).map((a) => (
            <div key={a.id}><a onClick={() => void download(`/api/v1/workorders/${id}/attachments/${a.id}`, a.name ?? 'file', '*/*')}>{a.name}</a> <Typography.Text type="secondary">{a.size_bytes} B</Typography.Text></div>
          ))}
          <Typography.Title level={5}>{t('crm.wo.history')}</Typography.Title>
          <Timeline
            aria-label={t('crm.wo.history')}
            items={(w.history ?? []).map((h) => ({
              color: ['escalated', 'sla_breached', 'reassigned', 'notified'].includes(h.kind ?? '') ? 'red' : 'blue',
              children: (
                <div>
                  <Typography.Text strong>{t(`crm.event.${h.kind}`, { defaultValue: h.kind })}</Typography.Text>{' '}
                  <Typography.Text type="secondary">{h.actor_name || h.actor} · {fmtDateTime(h.at ?? '', tz)}</Typography.Text>
                  <div>{eventText(h.detail ?? {})}</div>
                </div>
              ),
            }))}
          />
        </Space>
      )}
    </Drawer>
  )
}

function eventText(d: Record<string, unknown>): string {
  if (typeof d.text === 'string') return d.text
  if (typeof d.why === 'string') return [d.why, d.from && d.to ? `${d.from} → ${d.to}` : ''].filter(Boolean).join(' · ')
  if (d.from !== undefined && d.to !== undefined) return `${d.from} → ${d.to}`
  if (typeof d.name === 'string') return d.name
  return ''
}
