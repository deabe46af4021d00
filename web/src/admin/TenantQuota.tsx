// A tenant's quota and live usage on the superadmin's Tenants page
// (docs/tenants.md): what it uses against each limit, and a dialog to set
// the limits (0 = unlimited).
import { useState } from 'react'
import { Button, Form, InputNumber, Modal, Space, Spin, Tag, Tooltip, App as AntApp } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { applyApiError, errorMessage } from './errors'

type Usage = Schemas['api.tenantUsage']
type Quota = Schemas['api.quotaRequest']

const usageKey = (tenant: string) => ['admin', 'tenant-quota', tenant]

// fmtBytes renders a byte count with a binary unit (1.5 GiB).
export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

// usageRows pairs each live figure with its limit; full is true when the
// limit is set and reached.
export function usageRows(u: Usage): { key: string; used: number; max: number; full: boolean; bytes?: boolean }[] {
  const q = u.quota ?? {}
  const row = (key: string, used: number | undefined, max: number | undefined, bytes?: boolean) => {
    const m = max ?? 0
    return { key, used: used ?? 0, max: m, full: m > 0 && (used ?? 0) >= m, bytes }
  }
  return [
    row('agents', u.agents_signed_in, q.max_agents),
    row('calls', u.calls, q.max_calls),
    row('webCalls', u.web_calls, q.max_web_calls),
    row('cps', u.cps, q.max_cps),
    row('flows', u.flows, q.max_flows),
    row('storage', u.recording_bytes, q.max_recording_bytes, true),
  ]
}

// QuotaUsage shows "used / limit" per quota, red where a limit is reached.
export function QuotaUsage({ tenant }: { tenant: string }) {
  const { t } = useTranslation()
  const q = useQuery({
    queryKey: usageKey(tenant),
    queryFn: () => unwrap(client.GET('/api/v1/tenants/{id}/usage', { params: { path: { id: tenant } } })),
    refetchInterval: 10_000,
  })
  if (q.isLoading) return <Spin size="small" />
  if (q.error) return <Tag color="red">{errorMessage(q.error)}</Tag>
  const u = q.data!
  const hits = u.last_hits ?? {}
  return (
    <Space size={[4, 4]} wrap aria-label={t('quota.usageOf', { tenant })}>
      {usageRows(u).map((r) => {
        const fmt = (n: number) => (r.bytes ? fmtBytes(n) : String(n))
        const text = `${t(`quota.limits.${r.key}`)} ${fmt(r.used)} / ${r.max > 0 ? fmt(r.max) : '∞'}`
        return (
          <Tag key={r.key} color={r.full ? 'red' : r.max > 0 ? 'blue' : 'default'}>
            {text}
          </Tag>
        )
      })}
      {Object.keys(hits).length > 0 && (
        <Tooltip title={Object.entries(hits).map(([k, at]) => `${k}: ${new Date(at).toLocaleString()}`).join('; ')}>
          <Tag color="orange">{t('quota.hits', { count: Object.keys(hits).length })}</Tag>
        </Tooltip>
      )}
    </Space>
  )
}

const fields: { name: keyof Quota; key: string; bytes?: boolean }[] = [
  { name: 'max_agents', key: 'agents' },
  { name: 'max_calls', key: 'calls' },
  { name: 'max_web_calls', key: 'webCalls' },
  { name: 'max_cps', key: 'cps' },
  { name: 'max_flows', key: 'flows' },
  { name: 'max_recording_bytes', key: 'storage', bytes: true },
]

// QuotaButton opens the dialog that sets every limit of the tenant.
export function QuotaButton({ tenant }: { tenant: string }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const { message } = AntApp.useApp()
  const [open, setOpen] = useState(false)
  const [saving, setSaving] = useState(false)
  const [form] = Form.useForm<Quota>()
  const show = async () => {
    try {
      const u = await unwrap(client.GET('/api/v1/tenants/{id}/usage', { params: { path: { id: tenant } } }))
      const q = u.quota ?? {}
      form.setFieldsValue({
        max_agents: q.max_agents ?? 0, max_calls: q.max_calls ?? 0, max_web_calls: q.max_web_calls ?? 0,
        max_cps: q.max_cps ?? 0, max_flows: q.max_flows ?? 0, max_recording_bytes: q.max_recording_bytes ?? 0,
      })
      setOpen(true)
    } catch (e) {
      message.error(errorMessage(e))
    }
  }
  const save = async () => {
    const v = await form.validateFields()
    setSaving(true)
    try {
      await unwrap(client.PUT('/api/v1/tenants/{id}/quota', { params: { path: { id: tenant } }, body: v }))
      message.success(t('quota.saved'))
      setOpen(false)
      qc.invalidateQueries({ queryKey: usageKey(tenant) })
    } catch (e) {
      if (!applyApiError(form, e)) message.error(errorMessage(e))
    } finally {
      setSaving(false)
    }
  }
  return (
    <>
      <Button size="small" onClick={() => void show()}>
        {t('quota.edit')}
      </Button>
      <Modal open={open} title={t('quota.title', { tenant })} onOk={() => void save()} okText={t('quota.save')} confirmLoading={saving} onCancel={() => setOpen(false)} forceRender>
        <p>{t('quota.hint')}</p>
        <Form form={form} layout="vertical">
          {fields.map((f) => (
            <Form.Item key={f.name} name={f.name} label={t(`quota.limits.${f.key}`)} extra={t(`quota.hints.${f.key}`)} rules={[{ type: 'number', min: 0, message: t('quota.notNegative') }]}>
              <InputNumber min={0} precision={0} style={{ width: 220 }} addonAfter={f.bytes ? 'B' : undefined} />
            </Form.Item>
          ))}
        </Form>
      </Modal>
    </>
  )
}
