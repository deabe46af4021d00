// Outbound routing pages (docs/outbound.md, "Outbound routing and caller
// ID"): trunks, routes, caller-ID pools, the toll-fraud guard settings and a
// dry run of the routing of a number. Admins edit; supervisors read.
import { useEffect, useState } from 'react'
import { Alert, Button, Card, Descriptions, Form, Input, InputNumber, Select, Space, Switch, Tag, Typography, App as AntApp } from 'antd'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import type { TFunction } from 'i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { ResourcePage, type ResourcePageProps } from './ResourcePage'
import { TagsInput, useQueues, useSchedules, useUsers } from './inputs'
import { applyApiError, errorMessage } from './errors'
import { outboundSources, routeBody, routeToForm, numberTypes, poolBody, settingsBody, settingsToForm, trunkBody, defaultFailoverCauses, type RouteForm } from './outboundForms'

type Trunk = Schemas['outroute.Trunk']
type Route = Schemas['outroute.Route']
type Pool = Schemas['outroute.Pool']

// outboundKey is the query key of an outbound routing list (its page and
// the pickers of other pages share it).
const outboundKey = (section: 'trunks' | 'routes' | 'pools') => ['admin', 'outbound', section]
const listTrunks = () => unwrap(client.GET('/api/v1/outbound/trunks'))
const listPools = () => unwrap(client.GET('/api/v1/outbound/caller-id-pools'))

function useTrunks() {
  return useQuery({ queryKey: outboundKey('trunks'), queryFn: listTrunks })
}
function usePools() {
  return useQuery({ queryKey: outboundKey('pools'), queryFn: listPools })
}
function useCampaigns() {
  return useQuery({ queryKey: ['admin', 'campaigns-list'], queryFn: () => unwrap(client.GET('/api/v1/campaigns')) as Promise<{ id?: string; name?: string }[]>, staleTime: 10_000 })
}

const EnabledTag = ({ disabled }: { disabled?: boolean }) => {
  const { t } = useTranslation()
  return disabled ? <Tag>{t('admin.disabled')}</Tag> : <Tag color="green">{t('admin.enabled')}</Tag>
}
const limit = (n?: number) => (n ? String(n) : '∞')
// The form's enabled switch is the API's disabled field.
const enabledAlias = (f: string) => (f === 'disabled' ? ['enabled'] : undefined)

// OutboundResourcePage is one of the outbound routing lists (trunks,
// routes, caller-ID pools): title, intro and query key by section, rows
// keyed by id. Admins edit; supervisors read.
function OutboundResourcePage<T extends { id?: string }>({ section, ...p }: { section: 'trunks' | 'routes' | 'pools' } & Omit<ResourcePageProps<T>, 'title' | 'intro' | 'queryKey' | 'rowKey'>) {
  const { t } = useTranslation()
  return <ResourcePage<T> {...p} title={t(`admin.outbound.${section}.title`)} intro={t(`admin.outbound.${section}.intro`)} queryKey={outboundKey(section)} rowKey={(r) => r.id ?? ''} />
}

// idNameColumns are the id and name columns of the outbound routing lists.
const idNameColumns = (t: TFunction) => [
  { title: t('admin.outbound.id'), dataIndex: 'id' },
  { title: t('admin.outbound.name'), dataIndex: 'name' },
]

// IdNameFields are a trunk's or pool's id (fixed once created) and name.
function IdNameFields({ editing }: { editing: boolean }) {
  const { t } = useTranslation()
  return (
    <>
      <Form.Item name="id" label={t('admin.outbound.id')} extra={t('admin.outbound.idHint')}>
        <Input disabled={editing} />
      </Form.Item>
      <Form.Item name="name" label={t('admin.outbound.name')}>
        <Input />
      </Form.Item>
    </>
  )
}

export function OutboundTrunksPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  return (
    <OutboundResourcePage<Trunk>
      section="trunks"
      list={listTrunks}
      searchText={(r) => `${r.id} ${r.name ?? ''} ${r.gateway} ${r.switch ?? ''}`}
      readOnly={readOnly}
      columns={[
        ...idNameColumns(t),
        { title: t('admin.outbound.trunks.gateway'), dataIndex: 'gateway' },
        { title: t('admin.outbound.trunks.switch'), dataIndex: 'switch' },
        { title: t('admin.outbound.trunks.channels'), dataIndex: 'channels', render: limit },
        { title: t('admin.outbound.trunks.cps'), dataIndex: 'cps', render: limit },
        { title: t('admin.outbound.state'), dataIndex: 'disabled', render: (d?: boolean) => <EnabledTag disabled={d} /> },
      ]}
      initialValues={{ enabled: true, channels: 0, cps: 0 }}
      toForm={(r) => ({ ...r, enabled: !r.disabled })}
      create={(v) => unwrap(client.POST('/api/v1/outbound/trunks', { body: trunkBody(v) }))}
      update={(r, v) => unwrap(client.PUT('/api/v1/outbound/trunks/{id}', { params: { path: { id: r.id! } }, body: trunkBody({ ...v, id: r.id }) }))}
      remove={(r) => unwrap(client.DELETE('/api/v1/outbound/trunks/{id}', { params: { path: { id: r.id! } } }))}
      alias={enabledAlias}
      renderForm={({ editing }) => (
        <>
          <IdNameFields editing={!!editing} />
          <Form.Item name="gateway" label={t('admin.outbound.trunks.gateway')} extra={t('admin.outbound.trunks.gatewayHint')}>
            <Input placeholder="cmcc-sip" />
          </Form.Item>
          <Form.Item name="switch" label={t('admin.outbound.trunks.switch')} extra={t('admin.outbound.trunks.switchHint')}>
            <Input />
          </Form.Item>
          <Space size="large" wrap>
            <Form.Item name="channels" label={t('admin.outbound.trunks.channels')} extra={t('admin.zeroUnlimited')}>
              <InputNumber min={0} />
            </Form.Item>
            <Form.Item name="cps" label={t('admin.outbound.trunks.cps')} extra={t('admin.zeroUnlimited')}>
              <InputNumber min={0} />
            </Form.Item>
            <Form.Item name="enabled" label={t('admin.enabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
        </>
      )}
    />
  )
}

export function OutboundRoutesPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  const trunks = useTrunks().data ?? []
  const pools = usePools().data ?? []
  const queues = useQueues().data ?? []
  const users = useUsers().data ?? []
  const schedules = useSchedules().data ?? []
  const campaigns = useCampaigns().data ?? []
  return (
    <>
      <OutboundResourcePage<Route>
        section="routes"
        list={() => unwrap(client.GET('/api/v1/outbound/routes'))}
        searchText={(r) => `${r.id} ${r.name ?? ''} ${(r.trunks ?? []).join(' ')} ${(r.match?.prefixes ?? []).join(' ')}`}
        readOnly={readOnly}
        drawerWidth={720}
        columns={[
          { title: t('admin.outbound.routes.priority'), dataIndex: 'priority' },
          ...idNameColumns(t),
          {
            title: t('admin.outbound.routes.match'),
            key: 'match',
            render: (_: unknown, r: Route) => (
              <Space size={[0, 4]} wrap>
                {(r.match?.types ?? []).map((x) => <Tag key={`t${x}`} color="blue">{t(`admin.outbound.types.${x}`, x)}</Tag>)}
                {(r.match?.prefixes ?? []).map((x) => <Tag key={`p${x}`}>{x}</Tag>)}
                {(r.match?.sources ?? []).map((x) => <Tag key={`s${x}`} color="purple">{t(`admin.outbound.sources.${x}`, x)}</Tag>)}
              </Space>
            ),
          },
          { title: t('admin.outbound.routes.trunks'), dataIndex: 'trunks', render: (x?: string[]) => (x ?? []).join(' → ') },
          { title: t('admin.outbound.state'), dataIndex: 'disabled', render: (d?: boolean) => <EnabledTag disabled={d} /> },
        ]}
        initialValues={routeToForm({ priority: 100 })}
        toForm={(r) => routeToForm(r)}
        create={(v: RouteForm) => unwrap(client.POST('/api/v1/outbound/routes', { body: routeBody(v) }))}
        update={(r, v: RouteForm) => unwrap(client.PUT('/api/v1/outbound/routes/{id}', { params: { path: { id: r.id! } }, body: routeBody({ ...v, id: r.id }) }))}
        remove={(r) => unwrap(client.DELETE('/api/v1/outbound/routes/{id}', { params: { path: { id: r.id! } } }))}
        alias={enabledAlias}
        renderForm={({ editing }) => (
          <>
            <Space size="large" wrap>
              <Form.Item name="id" label={t('admin.outbound.id')} extra={t('admin.outbound.idHint')} style={{ width: 220 }}>
                <Input disabled={!!editing} />
              </Form.Item>
              <Form.Item name="name" label={t('admin.outbound.name')}>
                <Input style={{ width: 220 }} />
              </Form.Item>
              <Form.Item name="priority" label={t('admin.outbound.routes.priority')} extra={t('admin.outbound.routes.priorityHint')}>
                <InputNumber min={0} />
              </Form.Item>
              <Form.Item name="enabled" label={t('admin.enabled')} valuePropName="checked">
                <Switch />
              </Form.Item>
            </Space>
            <Typography.Title level={5}>{t('admin.outbound.routes.match')}</Typography.Title>
            <Typography.Paragraph type="secondary">{t('admin.outbound.routes.matchHint')}</Typography.Paragraph>
            <Form.Item name={['match', 'types']} label={t('admin.outbound.routes.types')}>
              <Select mode="multiple" allowClear options={numberTypes.map((x) => ({ value: x, label: t(`admin.outbound.types.${x}`) }))} />
            </Form.Item>
            <Form.Item name={['match', 'prefixes']} label={t('admin.outbound.routes.prefixes')} extra={t('admin.outbound.routes.prefixesHint')}>
              <TagsInput placeholder="+86755, 138" />
            </Form.Item>
            <Form.Item name={['match', 'sources']} label={t('admin.outbound.routes.sources')}>
              <Select mode="multiple" allowClear options={outboundSources.map((x) => ({ value: x, label: t(`admin.outbound.sources.${x}`) }))} />
            </Form.Item>
            <Form.Item name={['match', 'campaigns']} label={t('admin.outbound.routes.campaigns')}>
              <Select mode="tags" allowClear options={campaigns.map((c) => ({ value: c.id ?? '', label: `${c.name ?? ''} (${c.id})` }))} />
            </Form.Item>
            <Form.Item name={['match', 'queues']} label={t('admin.outbound.routes.queues')} extra={t('admin.outbound.routes.queuesHint')}>
              <Select mode="tags" allowClear options={queues.map((q) => ({ value: q.id ?? '', label: `${q.name} (${q.id})` }))} />
            </Form.Item>
            <Form.Item name={['match', 'agents']} label={t('admin.outbound.routes.agents')}>
              <Select
                mode="tags"
                allowClear
                optionFilterProp="label"
                options={users.filter((u) => u.role !== 'superadmin').map((u) => ({ value: u.id ?? '', label: `${u.display_name || u.username} (${u.work_number || u.username})` }))}
              />
            </Form.Item>
            <Form.Item name={['match', 'schedule_id']} label={t('admin.outbound.routes.schedule')} extra={t('admin.outbound.routes.scheduleHint')}>
              <Select allowClear options={schedules.map((s) => ({ value: s.id!, label: s.name }))} />
            </Form.Item>
            <Typography.Title level={5}>{t('admin.outbound.routes.rewrite')}</Typography.Title>
            <Space size="large" wrap>
              <Form.Item name={['rewrite', 'format']} label={t('admin.outbound.routes.format')}>
                <Select style={{ width: 220 }} options={['national', 'e164', 'digits'].map((x) => ({ value: x, label: t(`admin.outbound.formats.${x}`) }))} />
              </Form.Item>
              <Form.Item name={['rewrite', 'strip']} label={t('admin.outbound.routes.strip')}>
                <Input style={{ width: 120 }} placeholder="+86" />
              </Form.Item>
              <Form.Item name={['rewrite', 'prepend']} label={t('admin.outbound.routes.prepend')}>
                <Input style={{ width: 120 }} placeholder="9" />
              </Form.Item>
            </Space>
            <Typography.Title level={5}>{t('admin.outbound.routes.trunks')}</Typography.Title>
            <Form.Item name="trunks" label={t('admin.outbound.routes.trunkOrder')} extra={t('admin.outbound.routes.trunksHint')}>
              <Select mode="multiple" options={trunks.map((x) => ({ value: x.id ?? '', label: `${x.id}${x.disabled ? ` (${t('admin.disabled')})` : ''}` }))} />
            </Form.Item>
            <Form.Item name="caller_id_pool" label={t('admin.outbound.routes.pool')}>
              <Select allowClear options={pools.map((p) => ({ value: p.id ?? '', label: p.name ? `${p.name} (${p.id})` : p.id }))} />
            </Form.Item>
            <Form.Item name="failover_causes" label={t('admin.outbound.routes.failover')} extra={t('admin.outbound.routes.failoverHint')}>
              <Select mode="tags" allowClear options={defaultFailoverCauses.map((c) => ({ value: c, label: c }))} />
            </Form.Item>
          </>
        )}
      />
      <DryRun />
    </>
  )
}

// DryRun asks POST /outbound/decide what would happen to a number.
function DryRun() {
  const { t } = useTranslation()
  const [form] = Form.useForm()
  const [res, setRes] = useState<Schemas['api.outboundDecision']>()
  const [err, setErr] = useState<string>()
  const queues = useQueues().data ?? []
  const users = useUsers().data ?? []
  const campaigns = useCampaigns().data ?? []
  return (
    <section aria-label={t('admin.outbound.decide.title')} style={{ marginTop: 24 }}>
      <Typography.Title level={5}>{t('admin.outbound.decide.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('admin.outbound.decide.intro')}</Typography.Paragraph>
      <Form
        form={form}
        layout="inline"
        initialValues={{ source: 'click_to_dial' }}
        onFinish={async (v) => {
          setErr(undefined)
          setRes(undefined)
          try {
            setRes(
              await unwrap(
                client.POST('/api/v1/outbound/decide', {
                  body: { number: (v.number ?? '').trim(), source: v.source || undefined, campaign: v.campaign || undefined, agent: v.agent || undefined, queues: v.queues?.length ? v.queues : undefined },
                }),
              ),
            )
          } catch (e) {
            setErr(errorMessage(e))
          }
        }}
      >
        <Form.Item name="number" label={t('admin.outbound.decide.number')}>
          <Input style={{ width: 170 }} placeholder="13812345678" />
        </Form.Item>
        <Form.Item name="source" label={t('admin.outbound.decide.source')}>
          <Select style={{ width: 150 }} options={outboundSources.map((x) => ({ value: x, label: t(`admin.outbound.sources.${x}`) }))} />
        </Form.Item>
        <Form.Item name="campaign" label={t('admin.outbound.decide.campaign')}>
          <Select allowClear style={{ width: 160 }} options={campaigns.map((c) => ({ value: c.id ?? '', label: c.name || c.id }))} />
        </Form.Item>
        <Form.Item name="agent" label={t('admin.outbound.decide.agent')}>
          <Select allowClear showSearch optionFilterProp="label" style={{ width: 170 }} options={users.filter((u) => u.role !== 'superadmin').map((u) => ({ value: u.id ?? '', label: u.display_name || u.username }))} />
        </Form.Item>
        <Form.Item name="queues" label={t('admin.outbound.decide.queues')}>
          <Select mode="multiple" allowClear style={{ minWidth: 160 }} options={queues.map((q) => ({ value: q.id ?? '', label: q.name || q.id }))} />
        </Form.Item>
        <Button htmlType="submit">{t('admin.outbound.decide.run')}</Button>
      </Form>
      {err && <Alert type="error" showIcon message={err} style={{ marginTop: 12 }} />}
      {res && (
        <Card size="small" style={{ marginTop: 12 }} data-testid="outbound-decision">
          {res.refused ? (
            <Alert type="warning" showIcon message={`${t('admin.outbound.decide.refused')}: ${t(`admin.outbound.rules.${res.rule}`, res.rule ?? '')} (${res.rule})`} description={res.reason} />
          ) : (
            <Alert type="success" showIcon message={`${t('admin.outbound.decide.route')}: ${res.route?.name ? `${res.route.name} (${res.route.id})` : res.route?.id ?? '—'}`} />
          )}
          <Descriptions size="small" column={1} style={{ marginTop: 12 }} bordered>
            <Descriptions.Item label={t('admin.outbound.decide.type')}>
              {res.number?.type ? t(`admin.outbound.types.${res.number.type}`, res.number.type) : '—'} · {res.number?.e164 || '—'} · {res.number?.national || '—'}
              {res.number?.area ? ` · ${t('admin.outbound.decide.area')} ${res.number.area}` : ''}
            </Descriptions.Item>
            {!res.refused && (
              <>
                <Descriptions.Item label={t('admin.outbound.decide.trunks')}>{(res.trunks ?? []).map((x) => x.id).join(' → ') || '—'}</Descriptions.Item>
                <Descriptions.Item label={t('admin.outbound.decide.dial')}>{res.dial || '—'}</Descriptions.Item>
                <Descriptions.Item label={t('admin.outbound.decide.callerId')}>{res.caller_id || t('admin.outbound.decide.trunkOwn')}</Descriptions.Item>
              </>
            )}
          </Descriptions>
          {!!res.notes?.length && (
            <ol style={{ margin: '12px 0 0', paddingLeft: 20 }}>
              {res.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ol>
          )}
        </Card>
      )}
    </section>
  )
}

export function CallerIdPoolsPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  return (
    <OutboundResourcePage<Pool>
      section="pools"
      list={listPools}
      searchText={(r) => `${r.id} ${r.name ?? ''} ${(r.numbers ?? []).map((n) => n.number).join(' ')}`}
      readOnly={readOnly}
      columns={[
        ...idNameColumns(t),
        { title: t('admin.outbound.pools.numbers'), dataIndex: 'numbers', render: (n?: unknown[]) => n?.length ?? 0 },
        { title: t('admin.outbound.pools.localPresence'), dataIndex: 'local_presence', render: (x?: boolean) => (x === false ? t('admin.no') : t('admin.yes')) },
      ]}
      initialValues={{ local_presence: true, numbers: [{}] }}
      toForm={(r) => ({ ...r, local_presence: r.local_presence !== false, numbers: r.numbers ?? [] })}
      create={(v) => unwrap(client.POST('/api/v1/outbound/caller-id-pools', { body: poolBody(v) }))}
      update={(r, v) => unwrap(client.PUT('/api/v1/outbound/caller-id-pools/{id}', { params: { path: { id: r.id! } }, body: poolBody({ ...v, id: r.id }) }))}
      remove={(r) => unwrap(client.DELETE('/api/v1/outbound/caller-id-pools/{id}', { params: { path: { id: r.id! } } }))}
      renderForm={({ editing, readOnly: ro }) => (
        <>
          <IdNameFields editing={!!editing} />
          <Form.Item name="local_presence" label={t('admin.outbound.pools.localPresence')} valuePropName="checked" extra={t('admin.outbound.pools.localPresenceHint')}>
            <Switch />
          </Form.Item>
          <Form.List name="numbers">
            {(fields, { add, remove }) => (
              <section aria-label={t('admin.outbound.pools.numbers')}>
                <Typography.Title level={5}>{t('admin.outbound.pools.numbers')}</Typography.Title>
                <Typography.Paragraph type="secondary">{t('admin.outbound.pools.areaHint')}</Typography.Paragraph>
                {fields.map((f) => (
                  <Space key={f.key} align="start" wrap style={{ display: 'flex' }}>
                    <Form.Item name={[f.name, 'number']} style={{ marginBottom: 8 }}>
                      <Input placeholder={t('admin.outbound.pools.number')} aria-label={`${t('admin.outbound.pools.number')} ${f.name + 1}`} style={{ width: 200 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'area']} style={{ marginBottom: 8 }}>
                      <Input placeholder={t('admin.outbound.pools.area')} aria-label={`${t('admin.outbound.pools.area')} ${f.name + 1}`} style={{ width: 120 }} />
                    </Form.Item>
                    {!ro && <Button onClick={() => remove(f.name)}>{t('admin.delete')}</Button>}
                  </Space>
                ))}
                {!ro && (
                  <Button size="small" onClick={() => add({})}>
                    {t('admin.add')}
                  </Button>
                )}
              </section>
            )}
          </Form.List>
        </>
      )}
    />
  )
}

export function OutboundSettingsPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [form] = Form.useForm()
  const [banner, setBanner] = useState<string>()
  const key = ['admin', 'outbound', 'settings']
  const q = useQuery({ queryKey: key, queryFn: () => unwrap(client.GET('/api/v1/outbound/settings')) })
  const pools = usePools().data ?? []
  useEffect(() => {
    if (q.data) form.setFieldsValue(settingsToForm(q.data))
  }, [q.data]) // eslint-disable-line react-hooks/exhaustive-deps
  const m = useMutation({
    mutationFn: (v: Schemas['outroute.Settings']) => unwrap(client.PUT('/api/v1/outbound/settings', { body: settingsBody(v) })),
    onSuccess: () => {
      message.success(t('admin.saved'))
      qc.invalidateQueries({ queryKey: key })
    },
    onError: (e) => {
      applyApiError(form, e)
      setBanner(errorMessage(e))
    },
  })
  const title = t('admin.outbound.settings.title')
  return (
    <section aria-label={title}>
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {title}
        </Typography.Title>
        <Alert type="info" showIcon message={readOnly ? t('admin.readOnly') : t('admin.live')} description={t('admin.outbound.settings.intro')} />
        {q.error && <Alert type="error" showIcon message={errorMessage(q.error)} />}
        <Card>
          {banner && <Alert type="error" showIcon role="alert" message={banner} style={{ marginBottom: 12 }} />}
          <Form
            form={form}
            layout="vertical"
            disabled={readOnly}
            style={{ maxWidth: 720 }}
            onFinish={(v) => {
              setBanner(undefined)
              m.mutate(v)
            }}
          >
            <Form.Item name="allowed_types" label={t('admin.outbound.settings.allowedTypes')} extra={t('admin.outbound.settings.allowedTypesHint')}>
              <Select mode="multiple" options={numberTypes.map((x) => ({ value: x, label: t(`admin.outbound.types.${x}`) }))} />
            </Form.Item>
            <Form.Item name="allowed_countries" label={t('admin.outbound.settings.allowedCountries')} extra={t('admin.outbound.settings.allowedCountriesHint')}>
              <TagsInput placeholder="852, 1, *" />
            </Form.Item>
            <Form.Item name="blocked_prefixes" label={t('admin.outbound.settings.blockedPrefixes')} extra={t('admin.outbound.settings.blockedPrefixesHint')}>
              <TagsInput placeholder="+882, 168" />
            </Form.Item>
            <Space size="large" wrap>
              <Form.Item name="max_concurrent" label={t('admin.outbound.settings.maxConcurrent')} extra={t('admin.zeroUnlimited')}>
                <InputNumber min={0} />
              </Form.Item>
              <Form.Item name="max_cps" label={t('admin.outbound.settings.maxCps')} extra={t('admin.zeroUnlimited')}>
                <InputNumber min={0} />
              </Form.Item>
            </Space>
            <Form.Item name="caller_id_pool" label={t('admin.outbound.settings.pool')} extra={t('admin.outbound.settings.poolHint')}>
              <Select allowClear options={pools.map((p) => ({ value: p.id ?? '', label: p.name ? `${p.name} (${p.id})` : p.id }))} />
            </Form.Item>
            {!readOnly && (
              <Button type="primary" htmlType="submit" loading={m.isPending}>
                {t('admin.save')}
              </Button>
            )}
          </Form>
        </Card>
      </Space>
    </section>
  )
}
