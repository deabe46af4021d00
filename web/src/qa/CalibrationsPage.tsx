// Calibration sessions: several QA users score the same call and the
// spread of their totals (and per item) shows how far apart they are.
import { useState } from 'react'
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Select, Space, Table, Tag } from 'antd'
import { Link, useParams } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { errText } from './errors'
import { nameOf, useDirectory } from './directory'
import type { QAMe } from './QAConsole'

export function CalibrationsPage({ me }: { me: QAMe }) {
  const { t } = useTranslation()
  const [creating, setCreating] = useState(false)
  const list = useQuery({ queryKey: ['qa', 'calibrations'], queryFn: () => unwrap(client.GET('/api/v1/qa/calibrations')) })
  return (
    <Card title={t('qa.cal.title')} extra={me.lead && <Button type="primary" onClick={() => setCreating(true)}>{t('qa.cal.new')}</Button>}>
      <Table rowKey="id" size="small" pagination={false} loading={list.isLoading} dataSource={list.data ?? []}
        columns={[
          { title: t('qa.cal.name'), render: (_, r) => <Link to={`/qa/calibrations/${r.id}`}>{r.name}</Link> },
          { title: t('qa.cal.call'), dataIndex: 'call_id' },
          { title: t('qa.cal.created'), render: (_, r) => fmtDateTime(r.created_at ?? '') },
        ]} />
      {creating && <NewCalibration onClose={() => setCreating(false)} />}
    </Card>
  )
}

function NewCalibration({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const dir = useDirectory()
  const tpls = useQuery({ queryKey: ['qa', 'templates'], queryFn: () => unwrap(client.GET('/api/v1/qa/templates')) })
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const submit = async () => {
    setErr('')
    const v = await form.validateFields()
    try {
      await unwrap(client.POST('/api/v1/qa/calibrations', { body: { name: v.name, call_id: String(v.call_id).trim(), template_id: v.template, participants: v.participants ?? [] } }))
      message.success(t('qa.cal.created', { name: v.name }))
      qc.invalidateQueries({ queryKey: ['qa', 'calibrations'] })
      onClose()
    } catch (e) {
      setErr(errText(e))
    }
  }
  const qaUsers = (dir.data?.users ?? []).filter((u) => u.role !== 'agent')
  return (
    <Modal open title={t('qa.cal.new')} onCancel={onClose} onOk={submit} okText={t('qa.cal.create')} cancelText={t('qa.cancel')}>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('qa.cal.name')} rules={[{ required: true, message: t('qa.required') }]}><Input /></Form.Item>
        <Form.Item name="call_id" label={t('qa.cal.call')} extra={t('qa.pick.callHint')} rules={[{ required: true, message: t('qa.required') }]}><Input /></Form.Item>
        <Form.Item name="template" label={t('qa.tasks.template')} rules={[{ required: true, message: t('qa.required') }]}>
          <Select options={(tpls.data ?? []).map((x) => ({ value: x.id, label: `${x.name} (v${x.version})` }))} />
        </Form.Item>
        <Form.Item name="participants" label={t('qa.cal.participants')} rules={[{ required: true, message: t('qa.required') }]}>
          <Select mode="multiple" options={qaUsers.map((u) => ({ value: u.id, label: `${u.display_name || u.username} (${u.role})` }))} />
        </Form.Item>
      </Form>
    </Modal>
  )
}

export function CalibrationPage({ me }: { me: QAMe }) {
  const { t } = useTranslation()
  const { id = '' } = useParams()
  const dir = useDirectory()
  const users = dir.data?.users
  const cal = useQuery({ queryKey: ['qa', 'calibration', id], queryFn: () => unwrap(client.GET('/api/v1/qa/calibrations/{id}', { params: { path: { id } } })) })
  const c = cal.data
  const tpl = useQuery({
    queryKey: ['qa', 'template', c?.template_id, c?.template_version], enabled: !!c,
    queryFn: () => unwrap(client.GET('/api/v1/qa/templates/{id}', { params: { path: { id: c!.template_id ?? '' }, query: { version: String(c!.template_version) } } as never })),
  })
  const titles: Record<string, string> = {}
  for (const sec of tpl.data?.sections ?? []) for (const it of sec.items ?? []) titles[it.id ?? ''] = it.title ?? ''
  if (!c) return <Card loading title={t('qa.cal.title')} />
  const totals = Object.entries(c.totals ?? {}).map(([who, total]) => ({ who, total }))
  const items = Object.entries(c.item_spread ?? {}).map(([item, spread]) => ({ item, spread }))
  const mine = (c.participants ?? []).includes(me.id ?? '')
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card title={`${t('qa.cal.title')}: ${c.name}`} extra={mine && (c.pending ?? []).includes(me.id ?? '') && <Link to={`/qa/calibrate/${c.id}`}><Button type="primary">{t('qa.cal.score')}</Button></Link>}>
        <Descriptions size="small" column={2} items={[
          { key: 'call', label: t('qa.cal.call'), children: c.call_id },
          { key: 'tpl', label: t('qa.tasks.template'), children: `${tpl.data?.name ?? c.template_id} v${c.template_version}` },
          { key: 'spread', label: t('qa.cal.spread'), children: <strong>{(c.spread ?? 0).toFixed(2)}</strong> },
          { key: 'sd', label: t('qa.cal.stdDev'), children: (c.std_dev ?? 0).toFixed(2) },
          { key: 'pending', label: t('qa.cal.pending'), children: (c.pending ?? []).length ? (c.pending ?? []).map((p) => <Tag key={p}>{nameOf(users, p)}</Tag>) : t('qa.cal.allScored') },
        ]} />
      </Card>
      <Card title={t('qa.cal.totals')}>
        <Table rowKey="who" size="small" pagination={false} dataSource={totals}
          columns={[{ title: t('qa.work.assignee'), render: (_, r) => nameOf(users, r.who) }, { title: t('qa.score.total'), dataIndex: 'total' }]} />
      </Card>
      <Card title={t('qa.cal.itemSpread')}>
        <Table rowKey="item" size="small" pagination={false} dataSource={items}
          columns={[{ title: t('qa.reports.item'), render: (_, r) => titles[r.item] || r.item }, { title: t('qa.cal.spread'), render: (_, r) => <Tag color={r.spread > 0 ? 'orange' : 'green'}>{r.spread}</Tag> }]} />
      </Card>
    </Space>
  )
}
