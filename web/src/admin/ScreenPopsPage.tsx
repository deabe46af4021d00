// Screen pops: the CRM page agents open for an offered call, for the tenant
// and over it per queue (URL template with the call's variables, opened in
// a new tab or in the call panel), and the tenant's pre-routing caller
// lookup (URL, timeout, cache). The API validates templates and limits; its
// messages are shown at the field.
import { Alert, Form, Input, InputNumber, Radio, Select, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { ResourcePage } from './ResourcePage'
import { useQueues } from './inputs'

type Pop = Schemas['store.ScreenPop']

// What the form edits: queue_id "" is the tenant's row.
type PopForm = { queue_id: string; url_template?: string; mode?: string; lookup_url?: string; lookup_timeout_ms?: number; lookup_cache_ms?: number }

export const popVariables = ['{caller}', '{did}', '{call_id}', '{queue}', '{agent}', '{work_number}', '{tenant}', '{caller_name}', '{var.NAME}']

function body(v: PopForm) {
  const tenantLevel = !v.queue_id
  return {
    url_template: (v.url_template ?? '').trim(),
    mode: v.mode || 'link',
    lookup_url: tenantLevel ? (v.lookup_url ?? '').trim() : '',
    lookup_timeout_ms: tenantLevel ? (v.lookup_timeout_ms ?? 0) : 0,
    lookup_cache_ms: tenantLevel ? (v.lookup_cache_ms ?? 0) : 0,
  }
}

async function save(v: PopForm) {
  if (!v.queue_id) return unwrap(client.PUT('/api/v1/screen-pops/tenant', { body: body(v) }))
  return unwrap(client.PUT('/api/v1/screen-pops/queues/{queue}', { params: { path: { queue: v.queue_id } }, body: body(v) }))
}

export default function ScreenPopsPage() {
  const { t } = useTranslation()
  const queues = useQueues()
  const queueName = (id?: string) => (id ? (queues.data?.find((q) => q.id === id)?.name ?? id) : t('popAdmin.tenantLevel'))
  const levelOptions = [{ value: '', label: t('popAdmin.tenantLevel') }, ...(queues.data ?? []).map((q) => ({ value: q.id ?? '', label: t('popAdmin.queueLevel', { queue: q.name || q.id }) }))]
  return (
    <ResourcePage<Pop>
      title={t('admin.nav.screenPops')}
      intro={t('popAdmin.intro')}
      queryKey={['admin', 'screen-pops']}
      list={() => unwrap(client.GET('/api/v1/screen-pops'))}
      rowKey={(p) => p.queue_id || '-tenant-'}
      rowLabel={(p) => queueName(p.queue_id)}
      searchText={(p) => `${queueName(p.queue_id)} ${p.url_template} ${p.lookup_url}`}
      columns={[
        { title: t('popAdmin.level'), dataIndex: 'queue_id', render: (q?: string) => (q ? queueName(q) : <Tag color="blue">{t('popAdmin.tenantLevel')}</Tag>) },
        { title: t('popAdmin.urlTemplate'), dataIndex: 'url_template', render: (u?: string) => (u ? <Typography.Text code>{u}</Typography.Text> : '—') },
        { title: t('popAdmin.mode'), dataIndex: 'mode', render: (m?: string) => t(`popAdmin.modes.${m === 'iframe' ? 'iframe' : 'link'}`) },
        { title: t('popAdmin.lookupUrl'), dataIndex: 'lookup_url', render: (u?: string) => u || '—' },
      ]}
      initialValues={{ queue_id: '', mode: 'link', lookup_timeout_ms: 800, lookup_cache_ms: 60000 }}
      toForm={(p) => ({ ...p, queue_id: p.queue_id ?? '' })}
      create={(v: PopForm) => save(v)}
      update={(p, v: PopForm) => save({ ...v, queue_id: p.queue_id ?? '' })}
      remove={(p) =>
        p.queue_id
          ? unwrap(client.DELETE('/api/v1/screen-pops/queues/{queue}', { params: { path: { queue: p.queue_id } } }))
          : unwrap(client.PUT('/api/v1/screen-pops/tenant', { body: { url_template: '', mode: 'link', lookup_url: '', lookup_timeout_ms: 0, lookup_cache_ms: 0 } }))
      }
      alias={(f) => (f === 'queue' ? ['queue_id'] : undefined)}
      drawerWidth={640}
      renderForm={({ editing, form }) => {
        // The API's refusal stays at its field until the field is edited.
        const clear = (name: string) => () => form.setFields([{ name, errors: [] }])
        return (
          <>
            <Form.Item name="queue_id" label={t('popAdmin.level')} extra={t('popAdmin.levelHint')}>
              <Select options={levelOptions} disabled={!!editing} />
            </Form.Item>
            <Form.Item name="url_template" label={t('popAdmin.urlTemplate')} extra={t('popAdmin.urlHint')}>
              <Input placeholder="https://crm.example.com/contacts?tel={caller}&call={call_id}&agent={agent}" onChange={clear('url_template')} />
            </Form.Item>
            <div style={{ margin: '-8px 0 16px' }}>
              <Typography.Text type="secondary">{t('popAdmin.variables')} </Typography.Text>
              {popVariables.map((v) => (
                <Tag key={v}>{v}</Tag>
              ))}
            </div>
            <Form.Item name="mode" label={t('popAdmin.mode')}>
              <Radio.Group
                options={[
                  { value: 'link', label: t('popAdmin.modes.link') },
                  { value: 'iframe', label: t('popAdmin.modes.iframe') },
                ]}
              />
            </Form.Item>
            <Form.Item noStyle dependencies={['queue_id']}>
              {({ getFieldValue }) =>
                getFieldValue('queue_id') ? (
                  <Alert type="info" showIcon message={t('popAdmin.lookupTenantOnly')} />
                ) : (
                  <>
                    <Typography.Title level={5}>{t('popAdmin.lookup')}</Typography.Title>
                    <Form.Item name="lookup_url" label={t('popAdmin.lookupUrl')} extra={t('popAdmin.lookupHint')}>
                      <Input placeholder="https://crm.example.com/ipcc/lookup?tel={caller}&did={did}" onChange={clear('lookup_url')} />
                    </Form.Item>
                    <Form.Item name="lookup_timeout_ms" label={t('popAdmin.timeout')} extra={t('popAdmin.timeoutHint')}>
                      <InputNumber min={0} step={100} addonAfter="ms" style={{ width: 220 }} onChange={clear('lookup_timeout_ms')} />
                    </Form.Item>
                    <Form.Item name="lookup_cache_ms" label={t('popAdmin.cache')} extra={t('popAdmin.cacheHint')}>
                      <InputNumber min={0} step={1000} addonAfter="ms" style={{ width: 220 }} onChange={clear('lookup_cache_ms')} />
                    </Form.Item>
                    <Alert type="info" showIcon message={t('popAdmin.fallback')} description={t('popAdmin.fallbackHint')} />
                  </>
                )
              }
            </Form.Item>
          </>
        )
      }}
    />
  )
}
