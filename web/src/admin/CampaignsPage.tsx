// Outbound campaigns (docs/outbound.md): the list with type, status and
// progress; create and edit in a drawer; start, pause and stop; leads CSV
// import (with the API's report of rejected rows) and export; and the
// tenant's do-not-call list. Admins edit; supervisors read.
import { useState } from 'react'
import { Alert, Button, Card, Form, Input, InputNumber, Popconfirm, Progress, Select, Space, Switch, Table, Tag, Typography, Upload, App as AntApp, type FormInstance } from 'antd'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { ResourcePage } from './ResourcePage'
import { useQueues, useSchedules } from './inputs'
import { errorMessage } from './errors'
import { download, postCSV } from './http'
import { campaignBody, campaignToForm, campaignTypes, complianceProfiles, progressDone, type CampaignForm } from './campaignForms'

type Campaign = Schemas['campaign.Campaign']
type ImportReport = Schemas['campaign.ImportReport']
const listKey = ['admin', 'campaigns']

const statusColor: Record<string, string> = { draft: 'default', running: 'green', paused: 'orange', finished: 'blue' }

function ProgressCell({ id }: { id: string }) {
  const q = useQuery({ queryKey: [...listKey, id, 'progress'], queryFn: () => unwrap(client.GET('/api/v1/campaigns/{id}/progress', { params: { path: { id } } })), refetchInterval: 15_000 })
  if (!q.data) return null
  const { done, total } = progressDone(q.data)
  return (
    <Space size="small">
      <Progress percent={total ? Math.round((done * 100) / total) : 0} size="small" style={{ width: 100, margin: 0 }} />
      <span>
        {done}/{total}
      </span>
    </Space>
  )
}

function Controls({ c }: { c: Campaign }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const { message } = AntApp.useApp()
  const act = useMutation({
    mutationFn: (a: 'start' | 'pause' | 'stop') => {
      const opts = { params: { path: { id: c.id! } } }
      if (a === 'start') return unwrap(client.POST('/api/v1/campaigns/{id}/start', opts))
      if (a === 'pause') return unwrap(client.POST('/api/v1/campaigns/{id}/pause', opts))
      return unwrap(client.POST('/api/v1/campaigns/{id}/stop', opts))
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: listKey })
    },
    onError: (e) => message.error(t('admin.campaigns.actionFailed', { message: errorMessage(e) })),
  })
  const s = c.status
  const name = c.name ?? c.id
  return (
    <>
      {(s === 'draft' || s === 'paused') && (
        <Button size="small" type="primary" loading={act.isPending} aria-label={`${t('admin.campaigns.start')} ${name}`} onClick={() => act.mutate('start')}>
          {t('admin.campaigns.start')}
        </Button>
      )}
      {s === 'running' && (
        <Button size="small" loading={act.isPending} aria-label={`${t('admin.campaigns.pause')} ${name}`} onClick={() => act.mutate('pause')}>
          {t('admin.campaigns.pause')}
        </Button>
      )}
      {s !== 'finished' && s !== 'draft' && (
        <Popconfirm title={t('admin.campaigns.confirmStop', { name })} okText={t('admin.campaigns.stop')} cancelText={t('admin.cancel')} onConfirm={() => act.mutate('stop')}>
          <Button size="small" danger aria-label={`${t('admin.campaigns.stop')} ${name}`}>
            {t('admin.campaigns.stop')}
          </Button>
        </Popconfirm>
      )}
    </>
  )
}

function Leads({ c, readOnly }: { c: Campaign; readOnly: boolean }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [report, setReport] = useState<ImportReport | null>(null)
  const [err, setErr] = useState<string | null>(null)
  const imp = useMutation({
    mutationFn: async (f: File) => postCSV<ImportReport>(`/api/v1/campaigns/${encodeURIComponent(c.id!)}/leads/import`, await f.text()),
    onSuccess: (r) => {
      setErr(null)
      setReport(r)
      qc.invalidateQueries({ queryKey: listKey })
    },
    onError: (e) => {
      setReport(null)
      setErr(errorMessage(e))
    },
  })
  return (
    <Card size="small" title={t('admin.campaigns.leads')} style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">{t('admin.campaigns.leadsHint')}</Typography.Paragraph>
      <Space wrap>
        {!readOnly && (
          <Upload accept=".csv,text/csv" showUploadList={false} beforeUpload={(f) => (imp.mutate(f), false)}>
            <Button loading={imp.isPending}>{t('admin.campaigns.import')}</Button>
          </Upload>
        )}
        <Button onClick={() => download(`/api/v1/campaigns/${encodeURIComponent(c.id!)}/leads/export`, `${c.id}-leads.csv`).catch((e) => setErr(errorMessage(e)))}>{t('admin.campaigns.export')}</Button>
      </Space>
      {err && <Alert type="error" showIcon role="alert" message={err} style={{ marginTop: 12 }} />}
      {report && (
        <div style={{ marginTop: 12 }}>
          <Alert
            type={report.rejected_count ? 'warning' : 'success'}
            showIcon
            message={t('admin.campaigns.importReport', { rows: report.rows ?? 0, imported: report.imported ?? 0, duplicates: report.duplicates ?? 0, rejected: report.rejected_count ?? 0 })}
          />
          {!!report.rejected?.length && (
            <Table
              size="small"
              rowKey={(r) => `${r.row}-${r.reason}`}
              dataSource={report.rejected}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              columns={[
                { title: t('admin.campaigns.row'), dataIndex: 'row' },
                { title: t('admin.campaigns.reason'), dataIndex: 'reason' },
              ]}
              style={{ marginTop: 8 }}
            />
          )}
        </div>
      )}
    </Card>
  )
}

function DNCSection({ readOnly }: { readOnly: boolean }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const { message } = AntApp.useApp()
  const key = ['admin', 'dnc']
  const q = useQuery({ queryKey: key, queryFn: () => unwrap(client.GET('/api/v1/dnc')) })
  const [numbers, setNumbers] = useState('')
  const [reason, setReason] = useState('')
  const [result, setResult] = useState<Schemas['api.dncResult'] | null>(null)
  const [err, setErr] = useState<string | null>(null)
  const add = useMutation({
    mutationFn: () => unwrap(client.POST('/api/v1/dnc', { body: { numbers: numbers.split(/[\s,;]+/).filter(Boolean), reason: reason.trim() || undefined } })),
    onSuccess: (r) => {
      setErr(null)
      setResult(r)
      setNumbers('')
      qc.invalidateQueries({ queryKey: key })
    },
    onError: (e) => {
      setResult(null)
      setErr(errorMessage(e))
    },
  })
  const del = useMutation({
    mutationFn: (n: string) => unwrap(client.DELETE('/api/v1/dnc/{number}', { params: { path: { number: n } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
    onError: (e) => message.error(t('admin.deleteFailed', { message: errorMessage(e) })),
  })
  return (
    <section aria-label={t('admin.campaigns.dnc')} style={{ marginTop: 24 }}>
      <Typography.Title level={5}>{t('admin.campaigns.dnc')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('admin.campaigns.dncHint')}</Typography.Paragraph>
      {!readOnly && (
        <Space wrap align="start" style={{ marginBottom: 12 }}>
          <Input.TextArea aria-label={t('admin.campaigns.dncNumbers')} placeholder={t('admin.campaigns.dncNumbers')} autoSize={{ minRows: 1, maxRows: 4 }} style={{ width: 280 }} value={numbers} onChange={(e) => setNumbers(e.target.value)} />
          <Input aria-label={t('admin.campaigns.reason')} placeholder={t('admin.campaigns.reason')} style={{ width: 200 }} value={reason} onChange={(e) => setReason(e.target.value)} />
          <Button type="primary" disabled={!numbers.trim()} loading={add.isPending} onClick={() => add.mutate()}>
            {t('admin.campaigns.dncAdd')}
          </Button>
        </Space>
      )}
      {err && <Alert type="error" showIcon role="alert" message={err} style={{ marginBottom: 12 }} />}
      {result && (
        <Alert
          type={result.rejected?.length ? 'warning' : 'success'}
          showIcon
          style={{ marginBottom: 12 }}
          message={t('admin.campaigns.dncAdded', { added: result.added ?? 0, rejected: result.rejected?.length ?? 0 })}
          description={result.rejected?.length ? result.rejected.map((r) => `#${r.row}: ${r.reason}`).join('; ') : undefined}
        />
      )}
      {q.error && <Alert type="error" showIcon message={errorMessage(q.error)} />}
      <Table
        size="small"
        rowKey={(r) => r.number ?? ''}
        loading={q.isLoading}
        dataSource={q.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        columns={[
          { title: t('admin.campaigns.number'), dataIndex: 'number' },
          { title: t('admin.campaigns.reason'), dataIndex: 'reason' },
          { title: t('admin.campaigns.addedAt'), dataIndex: 'added_at', render: (x?: string) => (x ? new Date(x).toLocaleString() : '') },
          ...(readOnly
            ? []
            : [
                {
                  title: t('admin.actions'),
                  key: '_a',
                  render: (_: unknown, r: Schemas['store.DNCEntry']) => (
                    <Popconfirm title={t('admin.confirmDelete', { name: r.number })} okText={t('admin.delete')} cancelText={t('admin.cancel')} onConfirm={() => del.mutate(r.number!)}>
                      <Button size="small" danger aria-label={`${t('admin.delete')} ${r.number}`}>
                        {t('admin.delete')}
                      </Button>
                    </Popconfirm>
                  ),
                },
              ]),
        ]}
      />
    </section>
  )
}

export default function CampaignsPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  const ro = !!readOnly
  const queues = useQueues().data ?? []
  const schedules = useSchedules().data ?? []
  const pools = useQuery({ queryKey: ['admin', 'outbound', 'pools'], queryFn: () => unwrap(client.GET('/api/v1/outbound/caller-id-pools')) }).data ?? []
  return (
    <>
      <ResourcePage<Campaign>
        title={t('admin.campaigns.title')}
        intro={t('admin.campaigns.intro')}
        queryKey={listKey}
        list={() => unwrap(client.GET('/api/v1/campaigns'))}
        rowKey={(r) => r.id ?? ''}
        rowLabel={(r) => r.name || r.id || ''}
        searchText={(r) => `${r.id} ${r.name ?? ''} ${r.type ?? ''} ${r.status ?? ''}`}
        readOnly={ro}
        drawerWidth={640}
        columns={[
          { title: t('admin.campaigns.name'), dataIndex: 'name' },
          { title: t('admin.campaigns.type'), dataIndex: 'type', render: (x?: string) => t(`admin.campaigns.types.${x}`, x ?? '') },
          { title: t('admin.campaigns.queue'), key: 'queue', render: (_: unknown, r: Campaign) => r.settings?.queue_id },
          { title: t('admin.campaigns.status'), dataIndex: 'status', render: (x?: string) => <Tag color={statusColor[x ?? ''] ?? 'default'}>{t(`admin.campaigns.statuses.${x}`, x ?? '')}</Tag> },
          { title: t('admin.campaigns.progress'), key: 'progress', render: (_: unknown, r: Campaign) => <ProgressCell id={r.id!} /> },
        ]}
        initialValues={{ type: 'progressive', settings: { mask_numbers: false } }}
        toForm={(r) => campaignToForm(r) as Record<string, unknown>}
        create={(v: CampaignForm) => unwrap(client.POST('/api/v1/campaigns', { body: campaignBody(v) }))}
        update={(r, v: CampaignForm) => unwrap(client.PUT('/api/v1/campaigns/{id}', { params: { path: { id: r.id! } }, body: campaignBody({ ...v, id: r.id }, r) }))}
        remove={(r) => unwrap(client.DELETE('/api/v1/campaigns/{id}', { params: { path: { id: r.id! } } }))}
        rowActions={(r) => (ro ? null : <Controls c={r} />)}
        below={(r) => <Leads c={r} readOnly={ro} />}
        renderForm={({ editing, form }) => (
          <CampaignFields editing={editing} queues={queues} schedules={schedules} pools={pools} form={form} />
        )}
      />
      <DNCSection readOnly={ro} />
    </>
  )
}

function CampaignFields({ editing, queues, schedules, pools, form }: { editing: Campaign | null; form: FormInstance; queues: { id?: string; name?: string }[]; schedules: { id?: string; name?: string }[]; pools: { id?: string; name?: string }[] }) {
  const { t } = useTranslation()
  const type = Form.useWatch('type', form)
  return (
    <>
      <Space size="large" wrap>
        <Form.Item name="id" label={t('admin.campaigns.id')} extra={t('admin.campaigns.idHint')}>
          <Input disabled={!!editing} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="name" label={t('admin.campaigns.name')}>
          <Input style={{ width: 260 }} />
        </Form.Item>
      </Space>
      <Form.Item name="type" label={t('admin.campaigns.type')} extra={editing && editing.status !== 'draft' ? t('admin.campaigns.typeFixed') : undefined}>
        <Select disabled={!!editing && editing.status !== 'draft'} options={campaignTypes.map((x) => ({ value: x, label: t(`admin.campaigns.types.${x}`) }))} />
      </Form.Item>
      <Form.Item name={['settings', 'queue_id']} label={t('admin.campaigns.queue')}>
        <Select allowClear showSearch optionFilterProp="label" options={queues.map((q) => ({ value: q.id ?? '', label: `${q.name ?? ''} (${q.id})` }))} />
      </Form.Item>
      <Form.Item name={['settings', 'caller_id_pool']} label={t('admin.campaigns.pool')}>
        <Select allowClear options={pools.map((p) => ({ value: p.id ?? '', label: p.name ? `${p.name} (${p.id})` : p.id }))} />
      </Form.Item>
      <Typography.Title level={5}>{t('admin.campaigns.window')}</Typography.Title>
      <Space size="large" wrap>
        <Form.Item name={['settings', 'schedule_id']} label={t('admin.campaigns.schedule')} extra={t('admin.campaigns.scheduleHint')}>
          <Select allowClear style={{ width: 240 }} options={schedules.map((s) => ({ value: s.id ?? '', label: s.name }))} />
        </Form.Item>
        <Form.Item name={['settings', 'timezone']} label={t('admin.campaigns.timezone')} extra={t('admin.campaigns.timezoneHint')}>
          <Input style={{ width: 200 }} placeholder="Asia/Shanghai" />
        </Form.Item>
      </Space>
      <Space size="large" wrap>
        <Form.Item name={['settings', 'max_attempts']} label={t('admin.campaigns.maxAttempts')} extra={t('admin.campaigns.maxAttemptsHint')}>
          <InputNumber min={1} />
        </Form.Item>
        <Form.Item name={['settings', 'max_attempts_per_day']} label={t('admin.campaigns.maxPerDay')}>
          <InputNumber min={0} />
        </Form.Item>
        <Form.Item name={['settings', 'mask_numbers']} label={t('admin.campaigns.mask')} valuePropName="checked" extra={t('admin.campaigns.maskHint')}>
          <Switch />
        </Form.Item>
      </Space>
      {type === 'predictive' && (
        <Space size="large" wrap>
          <Form.Item name={['settings', 'compliance']} label={t('admin.campaigns.compliance')}>
            <Select allowClear style={{ width: 200 }} placeholder="cn" options={complianceProfiles.map((x) => ({ value: x, label: t(`admin.campaigns.profiles.${x}`) }))} />
          </Form.Item>
          <Form.Item name={['settings', 'abandon_cap_pct']} label={t('admin.campaigns.abandonCap')} extra={t('admin.campaigns.abandonCapHint')}>
            <InputNumber min={0} max={50} step={0.5} addonAfter="%" />
          </Form.Item>
        </Space>
      )}
      <Typography.Paragraph type="secondary">{t('admin.campaigns.otherSettings')}</Typography.Paragraph>
    </>
  )
}
