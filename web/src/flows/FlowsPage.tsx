// The list of IVR flows: open, create, import (YAML or JSON), delete.
import { App, Button, Form, Input, Modal, Space, Table, Tag, Typography, Upload } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { ApiError, client, unwrap } from '../lib/api'
import { useTimezone } from '../lib/hooks'
import { fmtDateTime } from '../lib/format'

export function downloadText(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export default function FlowsPage() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const tz = useTimezone()
  const qc = useQueryClient()
  const navigate = useNavigate()
  const flows = useQuery({ queryKey: ['flows'], queryFn: () => unwrap(client.GET('/api/v1/flows')) })
  const [creating, setCreating] = useState(false)
  const [importing, setImporting] = useState(false)
  const [text, setText] = useState('')
  const [err, setErr] = useState<{ field?: string; message: string }>()
  const [form] = Form.useForm<{ id: string; name: string }>()
  const [q, setQ] = useState('')

  const create = async () => {
    const v = await form.validateFields()
    setErr(undefined)
    try {
      await unwrap(client.POST('/api/v1/flows', { body: { id: v.id, name: v.name, start: '', nodes: [] } as never }))
      qc.invalidateQueries({ queryKey: ['flows'] })
      navigate(`/admin/flows/${encodeURIComponent(v.id)}`)
    } catch (e) {
      setErr(e instanceof ApiError ? { field: e.field, message: e.message } : { message: String(e) })
    }
  }
  const doImport = async () => {
    setErr(undefined)
    try {
      const f = await unwrap(client.POST('/api/v1/flows/import', { body: { document: text } }))
      qc.invalidateQueries({ queryKey: ['flows'] })
      qc.removeQueries({ queryKey: ['flow', f.id] })
      message.success(t('flows.imported', { id: f.id }))
      setImporting(false)
      navigate(`/admin/flows/${encodeURIComponent(f.id ?? '')}`)
    } catch (e) {
      setErr({ message: e instanceof ApiError ? e.message : String(e) })
    }
  }
  const remove = (id: string) =>
    Modal.confirm({
      title: t('flows.deleteConfirm', { id }),
      okButtonProps: { danger: true },
      onOk: async () => {
        await unwrap(client.DELETE('/api/v1/flows/{id}', { params: { path: { id } } }))
        qc.invalidateQueries({ queryKey: ['flows'] })
      },
    })

  const rows = (flows.data ?? []).filter((f) => !q || `${f.id} ${f.name}`.toLowerCase().includes(q.toLowerCase()))
  return (
    <div role="region" aria-label={t('flows.title')}>
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('flows.title')}
        </Typography.Title>
        <Input.Search aria-label={t('flows.search')} placeholder={t('flows.search')} allowClear onChange={(e) => setQ(e.target.value)} style={{ width: 220 }} />
        <Button type="primary" onClick={() => (setErr(undefined), form.resetFields(), setCreating(true))}>
          {t('flows.new')}
        </Button>
        <Button onClick={() => (setErr(undefined), setText(''), setImporting(true))}>{t('flows.import')}</Button>
      </Space>
      <Typography.Paragraph type="secondary">{t('flows.liveNote')}</Typography.Paragraph>
      <Table
        rowKey="id"
        size="small"
        loading={flows.isLoading}
        dataSource={rows}
        pagination={false}
        columns={[
          { title: t('flows.id'), dataIndex: 'id', render: (id: string) => <Link to={`/admin/flows/${encodeURIComponent(id)}`}>{id}</Link> },
          { title: t('flows.name'), dataIndex: 'name' },
          { title: t('flows.status'), render: (_, f) => (f.valid ? <Tag color="green">{t('flows.valid')}</Tag> : <Tag color="red">{t('flows.problems', { count: f.errors?.length ?? 0 })}</Tag>) },
          { title: t('flows.published'), dataIndex: 'published_version', render: (v: number) => (v ? <Tag color="blue">v{v}</Tag> : t('flows.notPublished')) },
          { title: t('flows.updated'), render: (_, f) => `${fmtDateTime(f.updated_at, tz)} · ${f.updated_by ?? ''}` },
          {
            title: '',
            render: (_, f) => (
              <Button size="small" danger onClick={() => remove(f.id ?? '')}>
                {t('flows.delete')}
              </Button>
            ),
          },
        ]}
      />
      <Modal open={creating} title={t('flows.new')} onOk={create} onCancel={() => setCreating(false)} okText={t('flows.create')}>
        <Form form={form} layout="vertical">
          <Form.Item
            name="id"
            label={t('flows.id')}
            rules={[{ required: true, pattern: /^[A-Za-z0-9_.-]{1,64}$/, message: t('flows.idRule') }]}
            validateStatus={err?.field === 'id' ? 'error' : undefined}
            help={err?.field === 'id' ? err.message : undefined}
          >
            <Input aria-label={t('flows.id')} />
          </Form.Item>
          <Form.Item name="name" label={t('flows.name')}>
            <Input aria-label={t('flows.name')} />
          </Form.Item>
          {err && err.field !== 'id' && <Typography.Text type="danger">{err.message}</Typography.Text>}
        </Form>
      </Modal>
      <Modal open={importing} title={t('flows.import')} onOk={doImport} onCancel={() => setImporting(false)} okText={t('flows.import')} okButtonProps={{ disabled: !text.trim() }} width={720}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Upload
            accept=".yaml,.yml,.json"
            showUploadList={false}
            beforeUpload={(file) => {
              file.text().then(setText)
              return false
            }}
          >
            <Button>{t('flows.chooseFile')}</Button>
          </Upload>
          <Input.TextArea aria-label={t('flows.importText')} rows={14} value={text} onChange={(e) => setText(e.target.value)} style={{ fontFamily: 'monospace' }} />
          {err && <Typography.Text type="danger">{err.message}</Typography.Text>}
        </Space>
      </Modal>
    </div>
  )
}
