// Outbound campaigns (docs/outbound.md): the list with type, status and
// progress; create and edit every setting in a drawer (CampaignFields);
// start, pause and stop; one campaign's leads, pacing and report below the
// table (CampaignDetail); and the tenant's do-not-call list. Admins edit;
// supervisors read.
import { useState } from 'react'
import { Alert, Button, Input, Popconfirm, Progress, Space, Table, Tag, Typography, App as AntApp } from 'antd'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { ResourcePage } from './ResourcePage'
import { useQueues, useSchedules } from './inputs'
import { errorMessage } from './errors'
import { ApiError } from '../lib/api'
import { campaignBody, campaignToForm, progressDone, tabOf, type CampaignForm } from './campaignForms'
import { CampaignFields } from './CampaignFields'
import { CampaignDetail } from './CampaignDetail'

type Campaign = Schemas['campaign.Campaign']
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
  const [tab, setTab] = useState('basics')
  const [openId, setOpenId] = useState<string | null>(null)
  const list = useQuery({ queryKey: listKey, queryFn: () => unwrap(client.GET('/api/v1/campaigns')) })
  const opened = list.data?.find((c) => c.id === openId)
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
        columns={[
          { title: t('admin.campaigns.name'), dataIndex: 'name' },
          { title: t('admin.campaigns.type'), dataIndex: 'type', render: (x?: string) => t(`admin.campaigns.types.${x}`, x ?? '') },
          { title: t('admin.campaigns.queue'), key: 'queue', render: (_: unknown, r: Campaign) => r.settings?.queue_id },
          { title: t('admin.campaigns.status'), dataIndex: 'status', render: (x?: string) => <Tag color={statusColor[x ?? ''] ?? 'default'}>{t(`admin.campaigns.statuses.${x}`, x ?? '')}</Tag> },
          { title: t('admin.campaigns.progress'), key: 'progress', render: (_: unknown, r: Campaign) => <ProgressCell id={r.id!} /> },
        ]}
        initialValues={campaignToForm({ type: 'progressive', settings: {} }) as Record<string, unknown>}
        toForm={(r) => campaignToForm(r) as Record<string, unknown>}
        create={(v: CampaignForm) => unwrap(client.POST('/api/v1/campaigns', { body: campaignBody(v) }))}
        update={(r, v: CampaignForm) => unwrap(client.PUT('/api/v1/campaigns/{id}', { params: { path: { id: r.id! } }, body: campaignBody({ ...v, id: r.id }, r) }))}
        remove={(r) => unwrap(client.DELETE('/api/v1/campaigns/{id}', { params: { path: { id: r.id! } } }))}
        rowActions={(r) => (
          <>
            <Button size="small" type={openId === r.id ? 'primary' : 'default'} ghost={openId === r.id} aria-label={`${t('campaigns.detail.open')} ${r.name || r.id}`} onClick={() => setOpenId(openId === r.id ? null : r.id!)}>
              {t('campaigns.detail.open')}
            </Button>
            {!ro && <Controls c={r} />}
          </>
        )}
        onError={(e) => {
          const k = tabOf(e instanceof ApiError ? e.field : undefined)
          if (k) setTab(k)
        }}
        drawerWidth={820}
        renderForm={({ editing, form }) => <CampaignFields editing={editing} queues={queues} schedules={schedules} pools={pools} form={form} tab={tab} setTab={setTab} />}
      />
      {opened && <CampaignDetail key={opened.id} c={opened} readOnly={ro} onClose={() => setOpenId(null)} />}
      <DNCSection readOnly={ro} />
    </>
  )
}
