import { useState } from 'react'
import { Alert, Button, Drawer, Form, Input, InputNumber, Modal, Segmented, Select, Space, Switch, Table, Tag, Typography, App as AntApp } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { ResourcePage } from './ResourcePage'
import { enumOptions, useQueues, useUsers } from './inputs'
import { errorMessage } from './errors'

type Policy = Schemas['store.RecordingPolicy']
type Mailbox = Schemas['api.mailboxView']
type Hook = Schemas['store.Webhook']
type Key = Schemas['store.APIKey']
const modes = ['always', 'on_demand', 'never']

export function RecordingPoliciesPage() {
  const { t } = useTranslation()
  const queues = useQueues().data ?? []
  const users = useUsers().data ?? []
  const modeCol = (m?: string) => (m ? t(`admin.recording.modes.${m}`) : t('admin.recording.inherit'))
  return (
    <ResourcePage<Policy>
      title={t('admin.recording.title')}
      intro={t('admin.recording.intro')}
      queryKey={['admin', 'recording-policies']}
      list={() => unwrap(client.GET('/api/v1/recording-policies'))}
      rowKey={(p) => p.id ?? ''}
      rowLabel={(p) => `${p.scope} ${p.target ?? ''}`}
      searchText={(p) => `${p.scope} ${p.target} ${p.note}`}
      columns={[
        { title: t('admin.recording.scope'), dataIndex: 'scope', render: (s: string) => t(`admin.recording.scopes.${s}`) },
        { title: t('admin.recording.target'), dataIndex: 'target' },
        { title: t('admin.recording.inbound'), dataIndex: 'inbound', render: modeCol },
        { title: t('admin.recording.outbound'), dataIndex: 'outbound', render: modeCol },
        { title: t('admin.recording.note'), dataIndex: 'note' },
      ]}
      initialValues={{ scope: 'tenant' }}
      create={(v) => unwrap(client.POST('/api/v1/recording-policies', { body: { ...v, inbound: v.inbound ?? '', outbound: v.outbound ?? '' } }))}
      update={(p, v) => unwrap(client.PUT('/api/v1/recording-policies/{id}', { params: { path: { id: p.id! } }, body: { scope: p.scope, target: p.target, inbound: v.inbound ?? '', outbound: v.outbound ?? '', note: v.note } }))}
      remove={(p) => unwrap(client.DELETE('/api/v1/recording-policies/{id}', { params: { path: { id: p.id! } } }))}
      renderForm={({ editing, form }) => (
        <>
          <Form.Item name="scope" label={t('admin.recording.scope')}>
            <Select disabled={!!editing} options={enumOptions(t, 'admin.recording.scopes', ['tenant', 'queue', 'agent'])} onChange={() => form.setFieldValue('target', undefined)} />
          </Form.Item>
          <Form.Item noStyle shouldUpdate={(a, b) => a.scope !== b.scope}>
            {() =>
              form.getFieldValue('scope') !== 'tenant' && (
                <Form.Item name="target" label={t('admin.recording.target')}>
                  <Select
                    disabled={!!editing}
                    showSearch
                    optionFilterProp="label"
                    options={
                      form.getFieldValue('scope') === 'queue'
                        ? queues.map((q) => ({ value: q.id!, label: `${q.name} (${q.id})` }))
                        : users.map((u) => ({ value: u.id!, label: `${u.display_name || u.username} (${u.work_number || u.username})` }))
                    }
                  />
                </Form.Item>
              )
            }
          </Form.Item>
          <Form.Item name="inbound" label={t('admin.recording.inbound')}>
            <Select allowClear placeholder={t('admin.recording.inherit')} options={enumOptions(t, 'admin.recording.modes', modes)} />
          </Form.Item>
          <Form.Item name="outbound" label={t('admin.recording.outbound')}>
            <Select allowClear placeholder={t('admin.recording.inherit')} options={enumOptions(t, 'admin.recording.modes', modes)} />
          </Form.Item>
          <Form.Item name="note" label={t('admin.recording.note')}>
            <Input />
          </Form.Item>
        </>
      )}
    />
  )
}

export function MailboxesPage() {
  const { t } = useTranslation()
  const queues = useQueues().data ?? []
  const users = useUsers().data ?? []
  return (
    <ResourcePage<Mailbox>
      title={t('admin.mailboxes.title')}
      intro={t('admin.mailboxes.intro')}
      queryKey={['admin', 'mailboxes']}
      list={() => unwrap(client.GET('/api/v1/mailboxes'))}
      rowKey={(m) => m.id ?? ''}
      searchText={(m) => `${m.id} ${m.name} ${m.owner_id}`}
      columns={[
        { title: t('admin.mailboxes.id'), dataIndex: 'id' },
        { title: t('admin.mailboxes.name'), dataIndex: 'name' },
        { title: t('admin.mailboxes.owner'), dataIndex: 'owner_type', render: (o: string, m) => (o ? `${t(`admin.mailboxes.owners.${o}`)} ${m.owner_id ?? ''}` : '–') },
        { title: t('admin.mailboxes.messages'), dataIndex: 'total', render: (n: number, m) => `${n ?? 0} (${t('admin.mailboxes.new')} ${m.new ?? 0})` },
        { title: t('admin.mailboxes.defined'), dataIndex: 'defined', render: (d: boolean) => (d ? t('admin.yes') : <Tag>{t('admin.mailboxes.undefined')}</Tag>) },
      ]}
      initialValues={{ owner_type: 'tenant' }}
      create={(v) => unwrap(client.POST('/api/v1/mailboxes', { body: v }))}
      update={(m, v) => unwrap(client.PUT('/api/v1/mailboxes/{id}', { params: { path: { id: m.id! } }, body: { ...v, id: m.id } }))}
      remove={(m) => unwrap(client.DELETE('/api/v1/mailboxes/{id}', { params: { path: { id: m.id! } } }))}
      renderForm={({ editing, form }) => (
        <>
          <Form.Item name="id" label={t('admin.mailboxes.id')} extra={t('admin.mailboxes.idHint')}>
            <Input disabled={!!editing} />
          </Form.Item>
          <Form.Item name="name" label={t('admin.mailboxes.name')}>
            <Input />
          </Form.Item>
          <Form.Item name="owner_type" label={t('admin.mailboxes.owner')}>
            <Select options={enumOptions(t, 'admin.mailboxes.owners', ['tenant', 'queue', 'agent'])} onChange={() => form.setFieldValue('owner_id', undefined)} />
          </Form.Item>
          <Form.Item noStyle shouldUpdate={(a, b) => a.owner_type !== b.owner_type}>
            {() =>
              form.getFieldValue('owner_type') !== 'tenant' && (
                <Form.Item name="owner_id" label={t('admin.mailboxes.ownerId')}>
                  <Select
                    showSearch
                    optionFilterProp="label"
                    options={
                      form.getFieldValue('owner_type') === 'queue'
                        ? queues.map((q) => ({ value: q.id!, label: `${q.name} (${q.id})` }))
                        : users.map((u) => ({ value: u.id!, label: `${u.display_name || u.username} (${u.work_number || u.username})` }))
                    }
                  />
                </Form.Item>
              )
            }
          </Form.Item>
        </>
      )}
    />
  )
}

type Delivery = Schemas['store.WebhookDelivery']
const deliveryStatuses = ['', 'pending', 'delivered', 'dead'] as const

function statusColor(s?: string) {
  return s === 'delivered' ? 'green' : s === 'dead' || s === 'failed' ? 'red' : 'blue'
}

function Deliveries({ hook, onClose }: { hook: Hook | null; onClose: () => void }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const { message } = AntApp.useApp()
  const [status, setStatus] = useState<string>('')
  const q = useQuery({
    queryKey: ['admin', 'webhooks', hook?.id, 'deliveries', status],
    queryFn: () => unwrap(client.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: hook!.id! }, query: (status ? { status } : {}) as never } })),
    enabled: !!hook,
    refetchInterval: 3000,
  })
  const stats = useQuery({
    queryKey: ['admin', 'webhooks', hook?.id, 'stats'],
    queryFn: () => unwrap(client.GET('/api/v1/webhooks/{id}/stats', { params: { path: { id: hook!.id! } } })),
    enabled: !!hook,
    refetchInterval: 3000,
  })
  const replay = async (ids: number[]) => {
    try {
      const r = await unwrap(client.POST('/api/v1/webhooks/{id}/replay', { params: { path: { id: hook!.id! } }, body: { ids } }))
      message.success(t('hooks.replayed', { count: r?.replayed ?? 0 }))
      void q.refetch()
      void stats.refetch()
    } catch (e) {
      message.error(errorMessage(e))
    }
  }
  const st = stats.data
  return (
    <Drawer open={!!hook} width={1100} title={`${t('admin.webhooks.deliveries')}: ${hook?.url ?? ''}`} onClose={onClose}>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented
          aria-label={t('admin.webhooks.status')}
          value={status}
          onChange={(v) => setStatus(String(v))}
          options={deliveryStatuses.map((s) => ({ value: s, label: s ? t(`hooks.statuses.${s}`) : t('hooks.all') }))}
        />
        {st && (
          <Typography.Text aria-label={t('hooks.summary')}>
            {t('hooks.counts', { pending: st.pending ?? 0, delivered: st.delivered ?? 0, dead: st.dead ?? 0 })} · {t('hooks.latency', { p50: st.p50_ms ?? 0, p99: st.p99_ms ?? 0 })}
          </Typography.Text>
        )}
        {status === 'dead' && (q.data ?? []).length > 0 && (
          <Button danger size="small" onClick={() => void replay([])}>
            {t('hooks.replayAll')}
          </Button>
        )}
      </Space>
      <Table<Delivery>
        size="small"
        rowKey="id"
        loading={q.isLoading}
        dataSource={q.data ?? []}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: t('admin.webhooks.at'), dataIndex: 'created_at', render: (v: string) => fmtDateTime(v, tz) },
          { title: t('admin.webhooks.event'), dataIndex: 'event_type' },
          { title: t('hooks.call'), dataIndex: 'call_id', render: (v?: string) => (v ? <Typography.Text code>{v.slice(0, 12)}</Typography.Text> : '') },
          { title: t('admin.webhooks.status'), dataIndex: 'status', render: (s: string) => <Tag color={statusColor(s)}>{t(`hooks.statuses.${s}`, s)}</Tag> },
          { title: t('admin.webhooks.attempts'), dataIndex: 'attempts' },
          { title: t('hooks.latencyMs'), dataIndex: 'latency_ms', render: (v: number, d) => (d.status === 'delivered' ? `${v} ms` : '') },
          { title: t('hooks.attemptMs'), dataIndex: 'attempt_ms', render: (v: number) => (v ? `${v} ms` : '') },
          { title: t('admin.webhooks.httpStatus'), dataIndex: 'last_status', render: (v: number) => v || '' },
          { title: t('admin.webhooks.error'), dataIndex: 'last_error' },
          {
            title: '',
            key: 'replay',
            render: (_, d) =>
              d.status === 'dead' || d.status === 'failed' ? (
                <Button size="small" onClick={() => void replay([d.id!])}>
                  {t('hooks.replay')}
                </Button>
              ) : null,
          },
        ]}
      />
    </Drawer>
  )
}

function useEventOptions() {
  const q = useQuery({ queryKey: ['admin', 'webhook-events'], queryFn: () => unwrap(client.GET('/api/v1/webhook-events')), staleTime: 300_000 })
  const types = q.data?.types ?? ['voicemail.new']
  const families = (q.data?.families ?? []).map((f) => `${f}.*`)
  return [...['*', ...families].map((v) => ({ value: v, label: v })), ...types.map((v) => ({ value: v, label: v }))]
}

export function WebhooksPage() {
  const { t } = useTranslation()
  const { message, modal } = AntApp.useApp()
  const [log, setLog] = useState<Hook | null>(null)
  const [rotating, setRotating] = useState<Hook | null>(null)
  const [overlap, setOverlap] = useState(24)
  const eventOptions = useEventOptions()
  const rotate = async () => {
    try {
      const res = await unwrap(client.POST('/api/v1/webhooks/{id}/rotate', { params: { path: { id: rotating!.id! } }, body: { overlap_hours: overlap } }))
      setRotating(null)
      modal.info({ title: t('hooks.newSecret', { hours: overlap }), content: <Typography.Text code copyable>{res?.secret}</Typography.Text>, width: 600 })
    } catch (e) {
      message.error(errorMessage(e))
    }
  }
  return (
    <>
      <ResourcePage<Hook>
        title={t('admin.webhooks.title')}
        intro={t('hooks.intro')}
        queryKey={['admin', 'webhooks']}
        list={() => unwrap(client.GET('/api/v1/webhooks'))}
        rowKey={(h) => h.id ?? ''}
        rowLabel={(h) => h.url ?? ''}
        searchText={(h) => `${h.url} ${h.description}`}
        columns={[
          { title: t('admin.webhooks.url'), dataIndex: 'url' },
          { title: t('admin.webhooks.events'), dataIndex: 'events', render: (e?: string[]) => (e ?? []).map((x) => <Tag key={x}>{x}</Tag>) },
          { title: t('admin.webhooks.description'), dataIndex: 'description' },
          { title: t('admin.routes.enabled'), dataIndex: 'enabled', render: (e: boolean) => (e ? <Tag color="green">{t('admin.enabled')}</Tag> : <Tag>{t('admin.disabled')}</Tag>) },
        ]}
        initialValues={{ enabled: true, events: ['call.*'] }}
        create={(v) => unwrap(client.POST('/api/v1/webhooks', { body: { ...v, secret: v.secret || undefined } }))}
        update={(h, v) => unwrap(client.PUT('/api/v1/webhooks/{id}', { params: { path: { id: h.id! } }, body: { ...v, secret: v.secret || undefined } }))}
        remove={(h) => unwrap(client.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: h.id! } } }))}
        onSaved={(res, editing) => {
          const secret = (res as Schemas['api.webhookCreated'] | undefined)?.secret
          if (!editing && secret) modal.info({ title: t('admin.webhooks.secretOnce'), content: <Typography.Text code copyable>{secret}</Typography.Text>, width: 560 })
        }}
        rowActions={(h) => (
          <>
            <Button size="small" onClick={() => setLog(h)}>
              {t('admin.webhooks.deliveries')}
            </Button>
            <Button size="small" onClick={() => setRotating(h)}>
              {t('hooks.rotate')}
            </Button>
            <Button
              size="small"
              onClick={async () => {
                try {
                  await unwrap(client.POST('/api/v1/webhooks/{id}/test', { params: { path: { id: h.id! } } }))
                  message.success(t('admin.webhooks.tested'))
                  setLog(h)
                } catch (e) {
                  message.error(errorMessage(e))
                }
              }}
            >
              {t('admin.webhooks.test')}
            </Button>
          </>
        )}
        renderForm={({ editing }) => (
          <>
            <Form.Item name="url" label={t('admin.webhooks.url')}>
              <Input placeholder="https://crm.example.com/ipcc" />
            </Form.Item>
            <Form.Item name="events" label={t('admin.webhooks.events')} extra={t('hooks.eventsHint')}>
              <Select mode="multiple" options={eventOptions} />
            </Form.Item>
            <Form.Item name="description" label={t('admin.webhooks.description')}>
              <Input />
            </Form.Item>
            <Form.Item name="secret" label={t('admin.webhooks.secret')} extra={editing ? t('hooks.secretKeep') : t('hooks.secretHint')}>
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Form.Item name="enabled" label={t('admin.routes.enabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </>
        )}
      />
      <Deliveries hook={log} onClose={() => setLog(null)} />
      <Modal open={!!rotating} title={`${t('hooks.rotate')}: ${rotating?.url ?? ''}`} okText={t('hooks.rotate')} onOk={() => void rotate()} onCancel={() => setRotating(null)}>
        <Typography.Paragraph>{t('hooks.rotateIntro')}</Typography.Paragraph>
        <Space>
          <span>{t('hooks.overlap')}</span>
          <InputNumber aria-label={t('hooks.overlap')} min={0} max={168} value={overlap} onChange={(v) => setOverlap(Number(v ?? 0))} />
        </Space>
      </Modal>
    </>
  )
}

export function APIKeysPage() {
  const { t } = useTranslation()
  const tz = useTimezone()
  const [shown, setShown] = useState<string>()
  return (
    <>
      <ResourcePage<Key>
        title={t('admin.apikeys.title')}
        intro={t('admin.apikeys.intro')}
        queryKey={['admin', 'apikeys']}
        list={() => unwrap(client.GET('/api/v1/apikeys'))}
        rowKey={(k) => k.id ?? ''}
        rowLabel={(k) => k.name ?? ''}
        searchText={(k) => `${k.name} ${k.prefix} ${k.role}`}
        columns={[
          { title: t('admin.apikeys.name'), dataIndex: 'name' },
          { title: t('admin.apikeys.prefix'), dataIndex: 'prefix', render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
          { title: t('admin.users.role'), dataIndex: 'role', render: (r: string) => t(`admin.roles.${r}`) },
          { title: t('admin.apikeys.created'), dataIndex: 'created_at', render: (v: string) => fmtDateTime(v, tz) },
          { title: t('admin.apikeys.lastUsed'), dataIndex: 'last_used_at', render: (v?: string) => fmtDateTime(v, tz) },
          { title: t('admin.apikeys.revoked'), dataIndex: 'revoked_at', render: (v?: string) => (v && !v.startsWith('0001') ? <Tag color="red">{fmtDateTime(v, tz)}</Tag> : '–') },
        ]}
        initialValues={{ role: 'admin' }}
        create={(v) => unwrap(client.POST('/api/v1/apikeys', { body: v }))}
        remove={(k) => unwrap(client.DELETE('/api/v1/apikeys/{id}', { params: { path: { id: k.id! } } }))}
        onSaved={(res) => setShown((res as Schemas['api.apiKeyCreated']).key)}
        renderForm={() => (
          <>
            <Form.Item name="name" label={t('admin.apikeys.name')}>
              <Input />
            </Form.Item>
            <Form.Item name="role" label={t('admin.users.role')} extra={t('admin.apikeys.roleHint')}>
              <Select options={enumOptions(t, 'admin.roles', ['admin', 'supervisor', 'qa', 'agent', 'wallboard'])} />
            </Form.Item>
          </>
        )}
      />
      <Modal open={!!shown} title={t('admin.apikeys.shownOnce')} onOk={() => setShown(undefined)} onCancel={() => setShown(undefined)} cancelButtonProps={{ style: { display: 'none' } }} width={640}>
        <Alert type="warning" showIcon message={t('admin.apikeys.copyNow')} style={{ marginBottom: 12 }} />
        <Typography.Text code copyable data-testid="api-key-secret">
          {shown}
        </Typography.Text>
      </Modal>
    </>
  )
}
