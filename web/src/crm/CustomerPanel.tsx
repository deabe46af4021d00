// The agent desktop's CRM panel for the current call: the caller's
// customer card (found by number), creating a work order linked to the
// call, and the queue's service summary (服务小结) during wrap-up — which
// must be submitted before leaving wrap-up when the queue requires it.
import { useState } from 'react'
import { Alert, App as AntApp, Button, Card, Descriptions, Empty, Form, Input, Modal, Select, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError, client, unwrap, type AgentSnapshot } from '../lib/api'
import { applyApiError } from '../admin/errors'
import { FieldInputs, fieldText } from './FieldInputs'
import { priorities, priorityColor, type Customer, type Field } from './types'
import type { Offer } from '../agent/callStore'
import { agentStateKey } from '../agent/useAgent'

export function CustomerPanel({ offer, state }: { offer: Offer | null; state?: AgentSnapshot }) {
  const { t } = useTranslation()
  const caller = offer?.caller ?? ''
  const callID = offer?.call ?? state?.call_id ?? ''
  const settings = useQuery({ queryKey: ['crm', 'settings'], queryFn: () => unwrap(client.GET('/api/v1/customer-settings')), staleTime: 60_000 })
  const customer = useQuery({
    queryKey: ['crm', 'lookup', caller],
    enabled: caller !== '',
    retry: false,
    queryFn: async (): Promise<Customer | null> => {
      try {
        return await unwrap(client.GET('/api/v1/customers/lookup', { params: { query: { number: caller } as never } }))
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null
        throw e
      }
    },
  })
  const [creating, setCreating] = useState(false)
  const fields = settings.data?.fields ?? []
  const c = customer.data
  return (
    <Card size="small" title={t('crm.panel.title')} aria-label={t('crm.panel.title')}
      extra={callID ? <Button size="small" onClick={() => setCreating(true)}>{t('crm.panel.newWorkOrder')}</Button> : undefined}>
      {!caller ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('crm.panel.noCall')} />
      ) : customer.isLoading ? null : c ? (
        <CustomerCard c={c} fields={fields} />
      ) : (
        <NewCustomer caller={caller} />
      )}
      {customer.error ? <Alert type="error" showIcon message={(customer.error as Error).message} /> : null}
      <SummaryForm state={state} callID={callID} queue={offer?.queue ?? state?.queue_id} />
      {creating && <NewWorkOrder callID={callID} customerID={c?.id} onClose={() => setCreating(false)} />}
    </Card>
  )
}

function CustomerCard({ c, fields }: { c: Customer; fields: Field[] }) {
  const { t } = useTranslation()
  return (
    <Descriptions size="small" column={2} bordered aria-label={t('crm.panel.customer')}>
      <Descriptions.Item label={t('crm.customer.name')}>{c.name}</Descriptions.Item>
      <Descriptions.Item label={t('crm.customer.company')}>{c.company}</Descriptions.Item>
      <Descriptions.Item label={t('crm.customer.numbers')} span={2}>{(c.numbers ?? []).join(', ')}</Descriptions.Item>
      <Descriptions.Item label={t('crm.customer.tags')} span={2}>{(c.tags ?? []).map((x) => <Tag key={x}>{x}</Tag>)}</Descriptions.Item>
      {fields.map((f) => (
        <Descriptions.Item key={f.name} label={f.label}>{fieldText(f, c.fields?.[f.name ?? ''], t('crm.yes'), t('crm.no'))}</Descriptions.Item>
      ))}
      <Descriptions.Item label={t('crm.panel.history')} span={2}><CustomerHistory id={c.id ?? 0} /></Descriptions.Item>
    </Descriptions>
  )
}

// CustomerHistory: how many calls the customer made, and their open work
// orders (those the agent may see).
function CustomerHistory({ id }: { id: number }) {
  const { t } = useTranslation()
  const h = useQuery({ queryKey: ['crm', 'history', id], enabled: id > 0, queryFn: () => unwrap(client.GET('/api/v1/customers/{id}/history', { params: { path: { id: String(id) } } })) })
  if (!h.data) return null
  const open = (h.data.work_orders ?? []).filter((w) => !w.resolved_at)
  return (
    <Space direction="vertical" size={2}>
      <Typography.Text>{t('crm.panel.historyCounts', { calls: h.data.calls?.length ?? 0, orders: h.data.work_orders?.length ?? 0, sms: h.data.sms?.length ?? 0 })}</Typography.Text>
      {open.slice(0, 3).map((w) => (
        <Typography.Text key={w.id} type="secondary">#{w.id} {w.title} <Tag color={priorityColor[w.priority ?? '']}>{t(`crm.priority.${w.priority}`)}</Tag></Typography.Text>
      ))}
    </Space>
  )
}

function NewCustomer({ caller }: { caller: string }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const save = async (v: { name: string; company?: string }) => {
    setErr('')
    try {
      await unwrap(client.POST('/api/v1/customers', { body: { name: v.name, company: v.company ?? '', numbers: [caller] } }))
      void qc.invalidateQueries({ queryKey: ['crm', 'lookup', caller] })
    } catch (e) {
      applyApiError(form, e)
      setErr((e as Error).message)
    }
  }
  return (
    <div>
      <Typography.Paragraph type="secondary">{t('crm.panel.unknown', { caller })}</Typography.Paragraph>
      <Form form={form} layout="inline" onFinish={save}>
        <Form.Item name="name" rules={[{ required: true, message: t('crm.customer.name') }]}><Input placeholder={t('crm.customer.name')} aria-label={t('crm.customer.name')} /></Form.Item>
        <Form.Item name="company"><Input placeholder={t('crm.customer.company')} aria-label={t('crm.customer.company')} /></Form.Item>
        <Button htmlType="submit">{t('crm.panel.saveCustomer')}</Button>
      </Form>
      {err && <Alert type="error" showIcon message={err} style={{ marginTop: 8 }} />}
    </div>
  )
}

function NewWorkOrder({ callID, customerID, onClose }: { callID: string; customerID?: number; onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const types = useQuery({ queryKey: ['crm', 'types'], queryFn: () => unwrap(client.GET('/api/v1/workorder-types')) })
  const typeID = Form.useWatch('type', form) as string | undefined
  const typ = types.data?.find((x) => x.id === typeID)
  const save = async () => {
    setErr('')
    const v = await form.validateFields()
    try {
      await unwrap(client.POST('/api/v1/workorders', { body: { ...v, call_id: callID, customer_id: customerID ?? 0, fields: v.fields ?? {} } }))
      message.success(t('crm.wo.created'))
      void qc.invalidateQueries({ queryKey: ['crm', 'workorders'] })
      onClose()
    } catch (e) {
      applyApiError(form, e)
      setErr((e as Error).message)
    }
  }
  return (
    <Modal open title={t('crm.panel.newWorkOrder')} onCancel={onClose} onOk={save} okText={t('crm.save')} cancelText={t('crm.cancel')}>
      <Form form={form} layout="vertical" initialValues={{ priority: 'normal' }}>
        <Form.Item name="type" label={t('crm.wo.type')} rules={[{ required: true, message: t('crm.wo.type') }]}>
          <Select aria-label={t('crm.wo.type')} options={(types.data ?? []).map((x) => ({ value: x.id, label: x.name }))} />
        </Form.Item>
        <Form.Item name="title" label={t('crm.wo.title')} rules={[{ required: true, message: t('crm.wo.title') }]}><Input aria-label={t('crm.wo.title')} /></Form.Item>
        <Form.Item name="description" label={t('crm.wo.description')}><Input.TextArea rows={3} aria-label={t('crm.wo.description')} /></Form.Item>
        <Form.Item name="priority" label={t('crm.wo.priority')}>
          <Select aria-label={t('crm.wo.priority')} options={priorities.map((p) => ({ value: p, label: t(`crm.priority.${p}`) }))} />
        </Form.Item>
        <FieldInputs fields={typ?.fields ?? []} />
      </Form>
      {err && <Alert type="error" showIcon message={err} />}
    </Modal>
  )
}

function SummaryForm({ state, callID, queue }: { state?: AgentSnapshot; callID: string; queue?: string }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const [done, setDone] = useState('')
  const inWrapUp = state?.state === 'wrap-up'
  const formQ = useQuery({
    queryKey: ['crm', 'summary-form', queue],
    enabled: !!queue,
    retry: false,
    queryFn: async () => {
      try {
        return await unwrap(client.GET('/api/v1/summary-forms/{queue}', { params: { path: { queue: queue! } } }))
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null
        throw e
      }
    },
  })
  const f = formQ.data
  if (!f || !callID || !(inWrapUp || state?.state === 'on-call')) return null
  const submit = async (v: { business?: string; type?: string; outcome: string; fields?: Record<string, unknown> }) => {
    setErr('')
    try {
      await unwrap(client.POST('/api/v1/calls/{id}/summary', { params: { path: { id: callID } }, body: { business: v.business ?? '', type: v.type ?? '', outcome: v.outcome, fields: v.fields ?? {} } }))
      setDone(callID)
      message.success(t('crm.summary.saved'))
      void qc.invalidateQueries({ queryKey: agentStateKey })
    } catch (e) {
      applyApiError(form, e)
      setErr((e as Error).message)
    }
  }
  const choices = (xs?: string[]) => (xs ?? []).map((x) => ({ value: x, label: x }))
  return (
    <section aria-label={t('crm.summary.title')} style={{ marginTop: 12 }}>
      <Space style={{ marginBottom: 8 }}>
        <Typography.Text strong>{t('crm.summary.title')}</Typography.Text>
        {state?.summary_due ? <Tag color="red">{t('crm.summary.required')}</Tag> : done === callID ? <Tag color="green">{t('crm.summary.submitted')}</Tag> : null}
      </Space>
      <Form form={form} layout="vertical" onFinish={submit} key={callID}>
        {(f.businesses?.length ?? 0) > 0 && (
          <Form.Item name="business" label={t('crm.summary.business')} rules={[{ required: true, message: t('crm.summary.business') }]}>
            <Select aria-label={t('crm.summary.business')} options={choices(f.businesses)} />
          </Form.Item>
        )}
        {(f.types?.length ?? 0) > 0 && (
          <Form.Item name="type" label={t('crm.summary.type')} rules={[{ required: true, message: t('crm.summary.type') }]}>
            <Select aria-label={t('crm.summary.type')} options={choices(f.types)} />
          </Form.Item>
        )}
        <Form.Item name="outcome" label={t('crm.summary.outcome')} rules={[{ required: true, message: t('crm.summary.outcome') }]}>
          <Select aria-label={t('crm.summary.outcome')} options={choices(f.outcomes)} />
        </Form.Item>
        <FieldInputs fields={f.fields ?? []} />
        <Button type="primary" htmlType="submit">{t('crm.summary.submit')}</Button>
      </Form>
      {err && <Alert type="error" showIcon message={err} style={{ marginTop: 8 }} />}
    </section>
  )
}
