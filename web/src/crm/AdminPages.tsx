// Admin console pages of the CRM: customers (search, add, CSV import and
// export), the customer custom fields and number masking, work-order types
// (statuses, transitions, SLA and escalation rules as JSON; the type's SMS
// in a form) and the queues' wrap-up forms (服务小结). Structured parts too
// rich for a form are edited as JSON; the API checks everything and its
// errors name the field.
import { useState } from 'react'
import { Alert, App as AntApp, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Typography, Upload } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { download, postCSV } from '../admin/http'
import { applyApiError } from '../admin/errors'
import { FieldInputs, fieldText } from './FieldInputs'
import { TypeSmsFields } from './TypeSmsFields'
import { smsErrorField, smsForm, smsOf, smsRecipients, splitType, withSms } from './typeSms'
import type { Customer, CustomerSettings, Field, SummaryForm, WorkOrderType } from './types'

function JsonBox({ label, value, onChange, rows = 8 }: { label: string; value?: string; onChange?: (v: string) => void; rows?: number }) {
  return <Input.TextArea aria-label={label} rows={rows} value={value} onChange={(e) => onChange?.(e.target.value)} style={{ fontFamily: 'monospace', fontSize: 12 }} />
}

function parseJSON<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`)
  }
}

export function CustomersPage() {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [q, setQ] = useState('')
  const [err, setErr] = useState('')
  const [adding, setAdding] = useState(false)
  const settings = useQuery({ queryKey: ['crm', 'settings'], queryFn: () => unwrap(client.GET('/api/v1/customer-settings')) })
  const list = useQuery({ queryKey: ['crm', 'customers', q], queryFn: () => unwrap(client.GET('/api/v1/customers', { params: { query: { q } as never } })) })
  const fields = settings.data?.fields ?? []
  const importCSV = async (file: File) => {
    setErr('')
    try {
      const r = await postCSV<{ imported: number }>('/api/v1/customers/import', await file.text())
      message.success(t('crm.customers.imported', { n: r.imported }))
      void qc.invalidateQueries({ queryKey: ['crm', 'customers'] })
    } catch (e) {
      setErr((e as Error).message)
    }
  }
  const del = async (id: number) => {
    try {
      await unwrap(client.DELETE('/api/v1/customers/{id}', { params: { path: { id: String(id) } } }))
      void qc.invalidateQueries({ queryKey: ['crm', 'customers'] })
    } catch (e) {
      setErr((e as Error).message)
    }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card title={t('crm.customers.title')} extra={
        <Space>
          <Button type="primary" onClick={() => setAdding(true)}>{t('crm.customers.add')}</Button>
          <Upload accept=".csv,text/csv" showUploadList={false} beforeUpload={(f) => { void importCSV(f); return false }}><Button>{t('crm.customers.import')}</Button></Upload>
          <Button onClick={() => void download('/api/v1/customers/export', 'customers.csv').catch((e: Error) => setErr(e.message))}>{t('crm.customers.export')}</Button>
        </Space>
      }>
        <Typography.Paragraph type="secondary">{t('crm.customers.csvHint')}</Typography.Paragraph>
        {err && <Alert type="error" showIcon message={err} style={{ marginBottom: 8 }} closable onClose={() => setErr('')} />}
        <Input.Search placeholder={t('crm.customers.search')} aria-label={t('crm.customers.search')} allowClear onSearch={setQ} style={{ maxWidth: 320, marginBottom: 8 }} />
        <Table<Customer> rowKey="id" size="small" loading={list.isLoading} dataSource={list.data ?? []}
          columns={[
            { title: t('crm.customer.name'), dataIndex: 'name' },
            { title: t('crm.customer.company'), dataIndex: 'company' },
            { title: t('crm.customer.numbers'), dataIndex: 'numbers', render: (n: string[]) => (n ?? []).join(', ') },
            { title: t('crm.customer.tags'), dataIndex: 'tags', render: (x: string[]) => (x ?? []).map((v) => <Tag key={v}>{v}</Tag>) },
            ...fields.map((f) => ({ title: f.label, key: f.name, render: (_: unknown, c: Customer) => fieldText(f, c.fields?.[f.name ?? ''], t('crm.yes'), t('crm.no')) })),
            { title: '', key: 'del', render: (_: unknown, c: Customer) => <Popconfirm title={t('crm.customers.confirmDelete')} onConfirm={() => void del(c.id ?? 0)}><Button size="small" danger>{t('crm.delete')}</Button></Popconfirm> },
          ]} />
      </Card>
      <CustomerFieldsCard settings={settings.data} />
      {adding && <AddCustomer fields={fields} onClose={() => setAdding(false)} />}
    </Space>
  )
}

function AddCustomer({ fields, onClose }: { fields: Field[]; onClose: () => void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const save = async () => {
    const v = await form.validateFields()
    setErr('')
    try {
      await unwrap(client.POST('/api/v1/customers', { body: { name: v.name, company: v.company ?? '', numbers: v.numbers ?? [], tags: v.tags ?? [], fields: v.fields ?? {} } }))
      void qc.invalidateQueries({ queryKey: ['crm', 'customers'] })
      onClose()
    } catch (e) {
      applyApiError(form, e)
      setErr((e as Error).message)
    }
  }
  return (
    <Modal open title={t('crm.customers.add')} onOk={save} onCancel={onClose} okText={t('crm.save')} cancelText={t('crm.cancel')}>
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('crm.customer.name')} rules={[{ required: true, message: t('crm.customer.name') }]}><Input aria-label={t('crm.customer.name')} /></Form.Item>
        <Form.Item name="company" label={t('crm.customer.company')}><Input aria-label={t('crm.customer.company')} /></Form.Item>
        <Form.Item name="numbers" label={t('crm.customer.numbers')}><Select mode="tags" aria-label={t('crm.customer.numbers')} open={false} /></Form.Item>
        <Form.Item name="tags" label={t('crm.customer.tags')}><Select mode="tags" aria-label={t('crm.customer.tags')} open={false} /></Form.Item>
        <FieldInputs fields={fields} />
      </Form>
      {err && <Alert type="error" showIcon message={err} />}
    </Modal>
  )
}

const fieldsExample = '[\n  {"name": "level", "label": "等级", "type": "select", "options": ["VIP", "普通"]},\n  {"name": "birthday", "label": "生日", "type": "date"}\n]'

function CustomerFieldsCard({ settings }: { settings?: CustomerSettings }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [text, setText] = useState<string | undefined>()
  const [mask, setMask] = useState<boolean | undefined>()
  const [err, setErr] = useState('')
  const current = text ?? JSON.stringify(settings?.fields ?? [], null, 2)
  const save = async () => {
    setErr('')
    try {
      const fields = parseJSON<Field[]>(current, t('crm.fields.title'))
      await unwrap(client.PUT('/api/v1/customer-settings', { body: { fields, mask_numbers: mask ?? settings?.mask_numbers ?? false } }))
      message.success(t('crm.saved'))
      setText(undefined)
      void qc.invalidateQueries({ queryKey: ['crm', 'settings'] })
    } catch (e) {
      setErr((e as Error).message)
    }
  }
  return (
    <Card title={t('crm.fields.title')} extra={<Button type="primary" onClick={() => void save()}>{t('crm.save')}</Button>}>
      <Typography.Paragraph type="secondary">{t('crm.fields.hint')}</Typography.Paragraph>
      <Space style={{ marginBottom: 8 }}>
        <Switch checked={mask ?? settings?.mask_numbers ?? false} onChange={setMask} aria-label={t('crm.fields.mask')} />
        <span>{t('crm.fields.mask')}</span>
      </Space>
      <JsonBox label={t('crm.fields.title')} value={current} onChange={setText} />
      <Typography.Text type="secondary">{t('crm.fields.example')}</Typography.Text>
      <pre style={{ fontSize: 12 }}>{fieldsExample}</pre>
      {err && <Alert type="error" showIcon message={err} />}
    </Card>
  )
}

const typeExample = {
  id: 'complaint', name: '投诉',
  fields: [{ name: 'product', label: '产品', type: 'select', options: ['宽带', '手机'], required: true }],
  statuses: [{ id: 'new', label: '新建' }, { id: 'working', label: '处理中' }, { id: 'resolved', label: '已解决', resolved: true }],
  transitions: { new: ['working', 'resolved'], working: ['resolved'], resolved: ['working'] },
  resolve_hours: 24,
  escalations: [{ after_minutes: 240, action: 'notify' }, { after_minutes: 480, action: 'reassign', queue: 'vip' }],
  conditions: [{ when: 'priority == "urgent" && type == "complaint"', action: 'notify' }],
}

export function WorkOrderTypesPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const list = useQuery({ queryKey: ['crm', 'types'], queryFn: () => unwrap(client.GET('/api/v1/workorder-types')) })
  const [editing, setEditing] = useState<Record<string, unknown> | undefined>()
  const [err, setErr] = useState('')
  const del = async (id: string) => {
    setErr('')
    try {
      await unwrap(client.DELETE('/api/v1/workorder-types/{id}', { params: { path: { id } } }))
      void qc.invalidateQueries({ queryKey: ['crm', 'types'] })
    } catch (e) {
      setErr((e as Error).message)
    }
  }
  return (
    <Card title={t('crm.types.title')} extra={<Button type="primary" onClick={() => setEditing(typeExample)}>{t('crm.types.add')}</Button>}>
      <Typography.Paragraph type="secondary">{t('crm.types.hint')}</Typography.Paragraph>
      {err && <Alert type="error" showIcon message={err} style={{ marginBottom: 8 }} />}
      <Table<WorkOrderType> rowKey="id" size="small" loading={list.isLoading} dataSource={list.data ?? []}
        columns={[
          { title: 'ID', dataIndex: 'id' },
          { title: t('crm.types.name'), dataIndex: 'name' },
          { title: t('crm.wo.status'), key: 'st', render: (_, x) => (x.statuses ?? []).map((s) => <Tag key={s.id} color={s.resolved ? 'green' : undefined}>{s.label}</Tag>) },
          { title: t('crm.types.sla'), dataIndex: 'resolve_hours', render: (h?: number) => (h ? t('crm.types.hours', { n: h }) : '') },
          { title: t('crm.types.rules'), key: 'rules', render: (_, x) => `${(x.escalations ?? []).length} / ${(x.conditions ?? []).length}` },
          { title: t('smsEditors.type.column'), key: 'sms', render: (_, x) => smsRecipients(x.sms).map((r) => <Tag key={r} color="purple">{t(`smsEditors.type.${r}`)}</Tag>) },
          {
            title: '', key: 'act', render: (_, x) => {
              const { created_at: _c, updated_at: _u, ...cfg } = x
              return (
                <Space>
                  <Button size="small" onClick={() => setEditing(cfg)}>{t('crm.edit')}</Button>
                  <Popconfirm title={t('crm.types.confirmDelete')} onConfirm={() => void del(x.id ?? '')}><Button size="small" danger>{t('crm.delete')}</Button></Popconfirm>
                </Space>
              )
            },
          },
        ]} />
      {editing !== undefined && <TypeEditor initial={editing} onClose={() => setEditing(undefined)} />}
    </Card>
  )
}

function TypeEditor({ initial, onClose }: { initial: Record<string, unknown>; onClose: () => void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [start] = useState(() => splitType(initial))
  const [text, setText] = useState(start.json)
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const save = async () => {
    setErr('')
    form.setFields(['template', 'on', 'to'].map((n) => ({ name: ['sms', n], errors: [] })))
    try {
      const cfg = withSms(parseJSON<{ id?: string }>(text, t('crm.types.title')), smsOf(form.getFieldValue('sms')))
      await unwrap(client.PUT('/api/v1/workorder-types/{id}', { params: { path: { id: cfg.id ?? '' } }, body: cfg as never }))
      void qc.invalidateQueries({ queryKey: ['crm', 'types'] })
      onClose()
    } catch (e) {
      // An error about the SMS goes to its field; the rest is the JSON's.
      if (!applyApiError(form, e, smsErrorField)) setErr((e as Error).message)
    }
  }
  return (
    <Modal open width={720} title={t('crm.types.dialog')} onOk={() => void save()} onCancel={onClose} okText={t('crm.save')} cancelText={t('crm.cancel')}>
      <JsonBox label={t('crm.types.edit')} value={text} onChange={setText} rows={16} />
      {err && <Alert type="error" showIcon message={err} style={{ marginTop: 8 }} />}
      <Form form={form} layout="horizontal" labelCol={{ span: 6 }} wrapperCol={{ span: 18 }} initialValues={{ sms: smsForm(start.sms) }}
        onValuesChange={(changed: { sms?: Record<string, unknown> }) => form.setFields(Object.keys(changed.sms ?? {}).map((n) => ({ name: ['sms', n], errors: [] })))}>
        <TypeSmsFields />
      </Form>
    </Modal>
  )
}

export function SummaryFormsPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const queues = useQuery({ queryKey: ['admin', 'queues'], queryFn: () => unwrap(client.GET('/api/v1/queues')) })
  const forms = useQuery({ queryKey: ['crm', 'summary-forms'], queryFn: () => unwrap(client.GET('/api/v1/summary-forms')) })
  const [queue, setQueue] = useState<string | undefined>()
  const [err, setErr] = useState('')
  const del = async (q: string) => {
    setErr('')
    try {
      await unwrap(client.DELETE('/api/v1/summary-forms/{queue}', { params: { path: { queue: q } } }))
      void qc.invalidateQueries({ queryKey: ['crm', 'summary-forms'] })
    } catch (e) {
      setErr((e as Error).message)
    }
  }
  const withForm = new Set((forms.data ?? []).map((f) => f.queue_id))
  return (
    <Card title={t('crm.forms.title')} extra={
      <Space>
        <Select placeholder={t('crm.forms.queue')} aria-label={t('crm.forms.queue')} style={{ width: 180 }} value={undefined}
          options={(queues.data ?? []).filter((q) => !withForm.has(q.id)).map((q) => ({ value: q.id, label: q.name }))} onChange={(v: string) => setQueue(v)} />
      </Space>
    }>
      <Typography.Paragraph type="secondary">{t('crm.forms.hint')}</Typography.Paragraph>
      {err && <Alert type="error" showIcon message={err} style={{ marginBottom: 8 }} />}
      <Table<SummaryForm> rowKey="queue_id" size="small" loading={forms.isLoading} dataSource={forms.data ?? []}
        columns={[
          { title: t('crm.forms.queue'), dataIndex: 'queue_id' },
          { title: t('crm.summary.business'), dataIndex: 'businesses', render: (x?: string[]) => (x ?? []).join(', ') },
          { title: t('crm.summary.type'), dataIndex: 'types', render: (x?: string[]) => (x ?? []).join(', ') },
          { title: t('crm.summary.outcome'), dataIndex: 'outcomes', render: (x?: string[]) => (x ?? []).join(', ') },
          { title: t('crm.forms.required'), dataIndex: 'required', render: (r?: boolean) => (r ? <Tag color="red">{t('crm.yes')}</Tag> : t('crm.no')) },
          {
            title: '', key: 'act', render: (_, f) => (
              <Space>
                <Button size="small" onClick={() => setQueue(f.queue_id)}>{t('crm.edit')}</Button>
                <Popconfirm title={t('crm.forms.confirmDelete')} onConfirm={() => void del(f.queue_id ?? '')}><Button size="small" danger>{t('crm.delete')}</Button></Popconfirm>
              </Space>
            ),
          },
        ]} />
      {queue && <FormEditor queue={queue} initial={(forms.data ?? []).find((f) => f.queue_id === queue)} onClose={() => setQueue(undefined)} />}
    </Card>
  )
}

function FormEditor({ queue, initial, onClose }: { queue: string; initial?: SummaryForm; onClose: () => void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const save = async () => {
    const v = await form.validateFields()
    setErr('')
    try {
      const fields = parseJSON<Field[]>(v.fields || '[]', t('crm.forms.fields'))
      await unwrap(client.PUT('/api/v1/summary-forms/{queue}', { params: { path: { queue } }, body: { businesses: v.businesses ?? [], types: v.types ?? [], outcomes: v.outcomes ?? [], fields, required: !!v.required } }))
      void qc.invalidateQueries({ queryKey: ['crm', 'summary-forms'] })
      onClose()
    } catch (e) {
      applyApiError(form, e)
      setErr((e as Error).message)
    }
  }
  return (
    <Modal open width={640} title={t('crm.forms.edit', { queue })} onOk={() => void save()} onCancel={onClose} okText={t('crm.save')} cancelText={t('crm.cancel')}>
      <Form form={form} layout="vertical" initialValues={{ businesses: initial?.businesses ?? [], types: initial?.types ?? [], outcomes: initial?.outcomes ?? [], required: initial?.required ?? false, fields: JSON.stringify(initial?.fields ?? [], null, 2) }}>
        <Form.Item name="businesses" label={t('crm.summary.business')}><Select mode="tags" open={false} aria-label={t('crm.summary.business')} /></Form.Item>
        <Form.Item name="types" label={t('crm.summary.type')}><Select mode="tags" open={false} aria-label={t('crm.summary.type')} /></Form.Item>
        <Form.Item name="outcomes" label={t('crm.summary.outcome')} rules={[{ required: true, message: t('crm.summary.outcome') }]}><Select mode="tags" open={false} aria-label={t('crm.summary.outcome')} /></Form.Item>
        <Form.Item name="required" label={t('crm.forms.required')} valuePropName="checked" extra={t('crm.forms.requiredHint')}><Switch aria-label={t('crm.forms.required')} /></Form.Item>
        <Form.Item name="fields" label={t('crm.forms.fields')}><JsonBox label={t('crm.forms.fields')} rows={6} /></Form.Item>
      </Form>
      {err && <Alert type="error" showIcon message={err} />}
    </Modal>
  )
}
