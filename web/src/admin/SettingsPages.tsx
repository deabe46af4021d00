import { useEffect, useState, type ReactNode } from 'react'
import { Alert, Button, Card, DatePicker, Form, Input, InputNumber, Select, Space, Table, Typography, App as AntApp, type FormInstance } from 'antd'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import type { Dayjs } from 'dayjs'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { TagsInput, TargetInput, cleanTarget, useUsers } from './inputs'
import { routeKinds } from './RoutesPage'
import { applyApiError, errorMessage } from './errors'

// SettingsForm loads one settings object, edits it and saves it, with the
// API's messages at the field.
function SettingsForm<T>({
  title,
  intro,
  queryKey,
  load,
  save,
  toForm = (v) => v as Record<string, unknown>,
  children,
}: {
  title: string
  intro?: ReactNode
  queryKey: unknown[]
  load: () => Promise<T>
  save: (v: any) => Promise<unknown> // eslint-disable-line @typescript-eslint/no-explicit-any
  toForm?: (v: T) => Record<string, unknown>
  children: (form: FormInstance) => ReactNode
}) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [form] = Form.useForm()
  const [banner, setBanner] = useState<string>()
  const q = useQuery({ queryKey, queryFn: load })
  useEffect(() => {
    if (q.data) form.setFieldsValue(toForm(q.data))
  }, [q.data]) // eslint-disable-line react-hooks/exhaustive-deps
  const m = useMutation({
    mutationFn: save,
    onSuccess: () => {
      message.success(t('admin.saved'))
      qc.invalidateQueries({ queryKey })
    },
    onError: (e) => {
      applyApiError(form, e)
      setBanner(errorMessage(e))
    },
  })
  return (
    <section aria-label={title}>
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {title}
        </Typography.Title>
        <Alert type="info" showIcon message={t('admin.live')} description={intro} />
        {q.error && <Alert type="error" showIcon message={errorMessage(q.error)} />}
        <Card>
          {banner && <Alert type="error" showIcon role="alert" message={banner} style={{ marginBottom: 12 }} />}
          <Form
            form={form}
            layout="vertical"
            style={{ maxWidth: 720 }}
            onFinish={(v) => {
              setBanner(undefined)
              m.mutate(v)
            }}
          >
            {children(form)}
            <div>
              <Button type="primary" htmlType="submit" loading={m.isPending}>
                {t('admin.save')}
              </Button>
            </div>
          </Form>
        </Card>
      </Space>
    </section>
  )
}

// Map fields edit as lines "key=value".
const mapToText = (m?: Record<string, string>) => Object.entries(m ?? {}).map(([k, v]) => `${k}=${v}`).join('\n')
const textToMap = (s?: string) => {
  const out: Record<string, string> = {}
  for (const line of (s ?? '').split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim()
  }
  return Object.keys(out).length ? out : undefined
}

export function RoutingSettingsPage() {
  const { t } = useTranslation()
  return (
    <SettingsForm<Schemas['dialplan.Settings']>
      title={t('admin.routingSettings.title')}
      intro={t('admin.routingSettings.intro')}
      queryKey={['admin', 'routing-settings']}
      load={() => unwrap(client.GET('/api/v1/routing/settings'))}
      toForm={(s) => ({ ...s, area_codes: mapToText(s.area_codes), blacklist_prompts: { 'zh-CN': s.blacklist_prompts?.['zh-CN'], en: s.blacklist_prompts?.en },
        busy_prompts: { ...s.busy_prompts }, suspended_prompts: { ...s.suspended_prompts }, extensions: s.extensions ?? {} })}
      save={(v) => {
        const bp = Object.fromEntries(Object.entries(v.blacklist_prompts ?? {}).filter(([, x]) => x)) as Record<string, string>
        // The quota refusal prompts (docs/tenants.md): only the languages set.
        const nonEmpty = (m?: Record<string, string | undefined>) => {
          const o = Object.fromEntries(Object.entries(m ?? {}).filter(([, x]) => x)) as Record<string, string>
          return Object.keys(o).length ? o : undefined
        }
        const ext = v.extensions?.lengths?.length || v.extensions?.prefixes?.length ? { lengths: (v.extensions.lengths ?? []).map(Number), prefixes: v.extensions.prefixes ?? [] } : undefined
        const body: Schemas['dialplan.Settings'] = {
          default_language: v.default_language || undefined,
          country_code: v.country_code || undefined,
          outbound_caller_id: v.outbound_caller_id || undefined,
          default_target: cleanTarget(v.default_target),
          area_codes: textToMap(v.area_codes),
          blacklist_prompts: Object.keys(bp).length ? bp : undefined,
          busy_prompts: nonEmpty(v.busy_prompts),
          suspended_prompts: nonEmpty(v.suspended_prompts),
          extensions: ext,
        }
        return unwrap(client.PUT('/api/v1/routing/settings', { body }))
      }}
    >
      {() => (
        <>
          <Form.Item name="default_language" label={t('admin.routingSettings.language')}>
            <Select allowClear options={[{ value: 'zh-CN', label: '简体中文' }, { value: 'en', label: 'English' }]} />
          </Form.Item>
          <Form.Item name="default_target" label={t('admin.routingSettings.defaultTarget')} extra={t('admin.routingSettings.defaultTargetHint')}>
            <TargetInput kinds={routeKinds} optional />
          </Form.Item>
          <Form.Item name="country_code" label={t('admin.routingSettings.countryCode')}>
            <Input style={{ width: 120 }} placeholder="86" />
          </Form.Item>
          <Form.Item name="outbound_caller_id" label={t('admin.routingSettings.outboundCallerId')}>
            <Input />
          </Form.Item>
          <Form.Item name={['blacklist_prompts', 'zh-CN']} label={t('admin.routingSettings.blacklistPromptZh')}>
            <Input />
          </Form.Item>
          <Form.Item name={['blacklist_prompts', 'en']} label={t('admin.routingSettings.blacklistPromptEn')}>
            <Input />
          </Form.Item>
          {(['busy', 'suspended'] as const).flatMap((kind) =>
            (['zh-CN', 'en'] as const).map((lang) => (
              <Form.Item key={kind + lang} name={[`${kind}_prompts`, lang]} label={t(`quota.prompts.${kind}`, { lang })} extra={lang === 'en' ? t(`quota.prompts.${kind}Hint`) : undefined}>
                <Input placeholder={t(`quota.prompts.${kind}Default`, { lng: lang })} />
              </Form.Item>
            )),
          )}
          <Form.Item name="area_codes" label={t('admin.routingSettings.areaCodes')} extra={t('admin.routingSettings.areaCodesHint')}>
            <Input.TextArea rows={4} placeholder="1380013=010" />
          </Form.Item>
          <Space size="large" wrap>
            <Form.Item name={['extensions', 'lengths']} label={t('admin.routingSettings.extLengths')} style={{ width: 220 }}>
              <TagsInput placeholder="4" />
            </Form.Item>
            <Form.Item name={['extensions', 'prefixes']} label={t('admin.routingSettings.extPrefixes')} style={{ width: 220 }}>
              <TagsInput placeholder="8" />
            </Form.Item>
          </Space>
        </>
      )}
    </SettingsForm>
  )
}

export function DesktopSettingsPage() {
  const { t } = useTranslation()
  return (
    <SettingsForm<Schemas['api.desktopSettings']>
      title={t('admin.desktop.title')}
      intro={t('admin.desktop.intro')}
      queryKey={['admin', 'desktop-settings']}
      load={() => unwrap(client.GET('/api/v1/desktop/settings'))}
      save={(v) => unwrap(client.PUT('/api/v1/desktop/settings', { body: { crm_url_template: v.crm_url_template ?? '', sip_wss_url: v.sip_wss_url ?? '', sip_domain: v.sip_domain ?? '' } }))}
    >
      {() => (
        <>
          <Form.Item name="crm_url_template" label={t('admin.desktop.crm')} extra={t('admin.desktop.crmHint')}>
            <Input placeholder="https://crm.example.com/x?phone={caller}" />
          </Form.Item>
          <Form.Item name="sip_wss_url" label={t('admin.desktop.wss')}>
            <Input placeholder="wss://pbx.example.com:7443" />
          </Form.Item>
          <Form.Item name="sip_domain" label={t('admin.desktop.domain')}>
            <Input />
          </Form.Item>
        </>
      )}
    </SettingsForm>
  )
}

export function RetentionPage() {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const tz = useTimezone()
  const runs = useQuery({ queryKey: ['admin', 'retention-runs'], queryFn: () => unwrap(client.GET('/api/v1/retention/runs')) })
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <SettingsForm<Schemas['store.RetentionSettings']>
        title={t('admin.retention.title')}
        intro={t('admin.retention.intro')}
        queryKey={['admin', 'retention']}
        load={() => unwrap(client.GET('/api/v1/retention/settings'))}
        save={(v) => unwrap(client.PUT('/api/v1/retention/settings', { body: { recording_days: v.recording_days ?? 0, voicemail_days: v.voicemail_days ?? 0 } }))}
      >
        {() => (
          <Space size="large" wrap>
            <Form.Item name="recording_days" label={t('admin.retention.recordingDays')} extra={t('admin.retention.zeroForever')}>
              <InputNumber min={0} addonAfter={t('admin.days')} />
            </Form.Item>
            <Form.Item name="voicemail_days" label={t('admin.retention.voicemailDays')} extra={t('admin.retention.zeroForever')}>
              <InputNumber min={0} addonAfter={t('admin.days')} />
            </Form.Item>
          </Space>
        )}
      </SettingsForm>
      <Card
        title={t('admin.retention.runs')}
        extra={
          <Button
            onClick={async () => {
              try {
                await unwrap(client.POST('/api/v1/retention/run'))
                message.success(t('admin.retention.ran'))
                runs.refetch()
              } catch (e) {
                message.error(errorMessage(e))
              }
            }}
          >
            {t('admin.retention.runNow')}
          </Button>
        }
      >
        <Table
          size="small"
          rowKey={(r) => String((r as { id?: unknown }).id)}
          dataSource={(runs.data ?? []) as Record<string, unknown>[]}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { title: t('admin.retention.started'), dataIndex: 'started_at', render: (v: string) => fmtDateTime(v, tz) },
            { title: t('admin.retention.trigger'), dataIndex: 'trigger' },
            { title: t('admin.retention.actor'), dataIndex: 'actor' },
            { title: t('admin.retention.summary'), dataIndex: 'summary', render: (v: unknown, r) => (r.error as string) || <Typography.Text code>{JSON.stringify(v)}</Typography.Text> },
          ]}
        />
      </Card>
    </Space>
  )
}

export function AuditPage() {
  const { t } = useTranslation()
  const tz = useTimezone()
  const users = useUsers().data ?? []
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null)
  const [actor, setActor] = useState<string>()
  const [type, setType] = useState<string>()
  const [pages, setPages] = useState<number[]>([]) // before_id of each page after the first
  const before = pages[pages.length - 1]
  const query: Record<string, string | number> = { limit: 50 }
  if (range?.[0]) query.since = range[0].toISOString()
  if (range?.[1]) query.until = range[1].toISOString()
  if (actor) query.actor_id = actor
  if (type) query.object_type = type
  if (before) query.before_id = before
  const q = useQuery({ queryKey: ['admin', 'audit', query], queryFn: () => unwrap(client.GET('/api/v1/audit', { params: { query: query as never } })) })
  const rows = q.data ?? []
  const types = ['user', 'queue', 'queue_member', 'route', 'schedule', 'blacklist', 'whitelist', 'caller_rule', 'caller_list', 'routing_settings', 'recording_policy', 'retention_settings', 'mailbox', 'webhook', 'api_key', 'flow', 'tenant', 'call', 'recording', 'agent']
  return (
    <section aria-label={t('admin.audit.title')}>
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('admin.audit.title')}
        </Typography.Title>
        <Space wrap>
          <DatePicker.RangePicker showTime value={range} onChange={(r) => (setRange(r as [Dayjs | null, Dayjs | null] | null), setPages([]))} />
          <Select allowClear showSearch optionFilterProp="label" placeholder={t('admin.audit.actor')} aria-label={t('admin.audit.actor')} style={{ width: 220 }} value={actor} onChange={(v) => (setActor(v), setPages([]))} options={users.map((u) => ({ value: u.id!, label: u.display_name || u.username || '' }))} />
          <Select allowClear showSearch placeholder={t('admin.audit.objectType')} aria-label={t('admin.audit.objectType')} style={{ width: 200 }} value={type} onChange={(v) => (setType(v), setPages([]))} options={types.map((x) => ({ value: x, label: x }))} />
        </Space>
        {q.error && <Alert type="error" showIcon message={errorMessage(q.error)} />}
        <Table
          size="small"
          rowKey="id"
          loading={q.isLoading}
          dataSource={rows}
          pagination={false}
          scroll={{ x: true }}
          columns={[
            { title: t('admin.audit.at'), dataIndex: 'at', render: (v: string) => fmtDateTime(v, tz) },
            { title: t('admin.audit.actor'), dataIndex: 'actor_name', render: (v: string, r) => v || r.actor_id },
            { title: t('admin.audit.action'), dataIndex: 'action' },
            { title: t('admin.audit.objectType'), dataIndex: 'object_type' },
            { title: t('admin.audit.object'), dataIndex: 'object_id' },
            { title: t('admin.audit.status'), dataIndex: 'status' },
            { title: t('admin.audit.address'), dataIndex: 'remote_addr' },
            { title: t('admin.audit.detail'), dataIndex: 'detail', render: (v: string) => <Typography.Text style={{ maxWidth: 360, display: 'inline-block' }} ellipsis={{ tooltip: v }}>{v}</Typography.Text> },
          ]}
        />
        <Space>
          <Button disabled={!pages.length} onClick={() => setPages(pages.slice(0, -1))}>
            {t('admin.audit.newer')}
          </Button>
          <Button disabled={rows.length < 50} onClick={() => setPages([...pages, rows[rows.length - 1].id!])}>
            {t('admin.audit.older')}
          </Button>
        </Space>
      </Space>
    </section>
  )
}
