import { Button, Descriptions, Form, Input, Spin, Switch, Tag, App as AntApp } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { ResourcePage } from './ResourcePage'
import { errorMessage } from './errors'
import { QuotaButton, QuotaUsage } from './TenantQuota'

type Tenant = Schemas['store.Tenant']

// Usage is read inside the tenant (the superadmin passes X-IPCC-Tenant):
// its users by role, queues, and today's inbound calls.
function Usage({ tenant }: { tenant: string }) {
  const { t } = useTranslation()
  const h = { 'X-IPCC-Tenant': tenant }
  const q = useQuery({
    queryKey: ['admin', 'tenant-usage', tenant],
    queryFn: async () => {
      const [users, queues, hourly] = await Promise.all([
        unwrap(client.GET('/api/v1/users', { headers: h })),
        unwrap(client.GET('/api/v1/queues', { headers: h })),
        unwrap(client.GET('/api/v1/reports/hourly', { headers: h })).catch(() => undefined),
      ])
      const totals = (hourly as Schemas['reports.Hourly'] | undefined)?.totals ?? []
      return {
        users: users.length,
        agents: users.filter((u) => u.role === 'agent').length,
        queues: queues.length,
        offered: totals.reduce((n, s) => n + (s.offered ?? 0), 0),
        answered: totals.reduce((n, s) => n + (s.answered ?? 0), 0),
      }
    },
  })
  if (q.isLoading) return <Spin size="small" />
  if (q.error) return <Tag color="red">{errorMessage(q.error)}</Tag>
  const u = q.data!
  return (
    <Descriptions size="small" column={5} items={[
      { key: 'u', label: t('admin.tenants.users'), children: u.users },
      { key: 'a', label: t('admin.tenants.agents'), children: u.agents },
      { key: 'q', label: t('admin.tenants.queues'), children: u.queues },
      { key: 'o', label: t('admin.tenants.callsToday'), children: u.offered },
      { key: 'n', label: t('admin.tenants.answeredToday'), children: u.answered },
    ]} />
  )
}

export default function TenantsPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const { message } = AntApp.useApp()
  const toggle = async (tn: Tenant) => {
    try {
      await unwrap(client.PATCH('/api/v1/tenants/{id}', { params: { path: { id: tn.id! } }, body: { disabled: !tn.disabled } }))
      message.success(t('admin.saved'))
      qc.invalidateQueries({ queryKey: ['admin', 'tenants'] })
    } catch (e) {
      message.error(errorMessage(e))
    }
  }
  return (
    <ResourcePage<Tenant>
      title={t('admin.tenants.title')}
      intro={t('admin.tenants.intro')}
      queryKey={['admin', 'tenants']}
      list={() => unwrap(client.GET('/api/v1/tenants'))}
      rowKey={(x) => x.id ?? ''}
      searchText={(x) => `${x.id} ${x.name}`}
      columns={[
        { title: t('admin.tenants.id'), dataIndex: 'id' },
        { title: t('admin.tenants.name'), dataIndex: 'name' },
        { title: t('admin.tenants.timezone'), dataIndex: 'timezone' },
        { title: t('admin.tenants.created'), dataIndex: 'created_at', render: (v: string) => fmtDateTime(v, 'UTC') },
        { title: t('admin.users.status'), dataIndex: 'disabled', render: (d?: boolean) => (d ? <Tag color="red">{t('admin.disabled')}</Tag> : <Tag color="green">{t('admin.enabled')}</Tag>) },
        { title: t('admin.tenants.usage'), key: 'usage', render: (_: unknown, x) => <Usage tenant={x.id!} /> },
        { title: t('quota.column'), key: 'quota', render: (_: unknown, x) => <QuotaUsage tenant={x.id!} /> },
      ]}
      initialValues={{ timezone: 'Asia/Shanghai' }}
      create={(v) => unwrap(client.POST('/api/v1/tenants', { body: v }))}
      update={(x, v) => unwrap(client.PATCH('/api/v1/tenants/{id}', { params: { path: { id: x.id! } }, body: { name: v.name, timezone: v.timezone, disabled: !!v.disabled } }))}
      remove={(x) => unwrap(client.DELETE('/api/v1/tenants/{id}', { params: { path: { id: x.id! } } }))}
      rowActions={(x) => (
        <>
          <Button size="small" onClick={() => toggle(x)}>
            {x.disabled ? t('admin.tenants.enable') : t('admin.tenants.disable')}
          </Button>
          <QuotaButton tenant={x.id!} />
        </>
      )}
      renderForm={({ editing }) => (
        <>
          <Form.Item name="id" label={t('admin.tenants.id')}>
            <Input disabled={!!editing} />
          </Form.Item>
          <Form.Item name="name" label={t('admin.tenants.name')}>
            <Input />
          </Form.Item>
          <Form.Item name="timezone" label={t('admin.tenants.timezone')}>
            <Input placeholder="Asia/Shanghai" />
          </Form.Item>
          {editing && (
            <Form.Item name="disabled" label={t('admin.disabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
          )}
        </>
      )}
    />
  )
}
