// One campaign's work below the campaigns table (CampaignsPage.tsx): its
// leads (import, export, search by name or number, status, attempts, the
// attempts of one lead, assignment to named agents), its pacing (the
// compliance profile, the rolling abandon figures, the pacer's explained
// decisions) and its report (progress, outcomes, attempts per lead, abandon
// per rolling window, agents; CSV of each section).
import { Suspense, lazy, useMemo, useState } from 'react'
import { Alert, Button, Card, DatePicker, Descriptions, Empty, Input, InputNumber, Select, Space, Table, Tabs, Tag, Tooltip, Typography, Upload, App as AntApp } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime, fmtDuration, fmtTime } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { useUsers } from './inputs'
import { errorMessage } from './errors'
import { download, postCSV } from './http'
import { decisionCodes, leadStatuses, reportQuery, reportSections } from './campaignForms'

// ECharts comes with the first chart shown (the reports' Chart, in its own
// chunk), not with the console.
const Chart = lazy(() => import('../reports/Chart').then((m) => ({ default: m.Chart })))
type Series = { name: string; data: number[]; type?: 'bar' | 'line'; yAxis?: number }

// percentTop is a percent axis' top for rates plotted against their cap:
// room above the larger of the cap and the highest rate, in whole percent.
export function percentTop(cap: number | undefined, values: number[]): number {
  const top = Math.max(cap ?? 0, ...values, 1) * 1.25
  return Math.min(100, Math.ceil(top))
}

function LazyChart(props: { categories: string[]; series: Series[]; label: string; testId: string; percentAxis?: boolean; percentMax?: number }) {
  const { t } = useTranslation()
  if (!props.categories.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('campaignCharts.noData')} />
  return (
    <Suspense fallback={<div style={{ height: 300 }} />}>
      <Chart {...props} />
    </Suspense>
  )
}

type Campaign = Schemas['campaign.Campaign']
type Lead = Schemas['api.leadView']
type ImportReport = Schemas['campaign.ImportReport']
type User = Schemas['api.userView']
// campaign.Profile writes its spans as these (its MarshalJSON), which the
// OpenAPI document does not list.
type Profile = Schemas['campaign.Profile'] & { period_hours?: number; connect_ms?: number; no_repeat_hours?: number }

const leadColor: Record<string, string> = { pending: 'default', dialing: 'processing', preview: 'processing', done: 'green', exhausted: 'orange', dnc: 'red', skipped: 'purple' }
const pageSize = 100

function useAgentNames() {
  const users = useUsers()
  return useMemo(() => {
    const all = (users.data ?? []) as User[]
    const name = (id?: string) => {
      if (!id) return ''
      const u = all.find((x) => x.id === id)
      return u ? `${u.display_name || u.username}${u.work_number ? ` (${u.work_number})` : ''}` : id
    }
    const options = all.filter((u) => !u.disabled).map((u) => ({ value: u.id ?? '', label: name(u.id) }))
    return { name, options }
  }, [users.data])
}

export function CampaignDetail({ c, readOnly, onClose }: { c: Campaign; readOnly: boolean; onClose: () => void }) {
  const { t } = useTranslation()
  const [tab, setTab] = useState('leads')
  return (
    <Card
      size="small"
      style={{ marginTop: 16 }}
      title={t('campaigns.detail.title', { name: c.name || c.id })}
      extra={<Button onClick={onClose}>{t('campaigns.detail.close')}</Button>}
    >
      <section aria-label={t('campaigns.detail.title', { name: c.name || c.id })}>
        <Tabs
          activeKey={tab}
          onChange={setTab}
          destroyInactiveTabPane
          items={[
            { key: 'leads', label: t('campaigns.detail.leads'), children: <LeadsTab c={c} readOnly={readOnly} /> },
            { key: 'pacing', label: t('campaigns.detail.pacing'), children: <PacingView c={c} /> },
            { key: 'report', label: t('campaigns.detail.report'), children: <ReportView c={c} /> },
          ]}
        />
      </section>
    </Card>
  )
}

function ImportExport({ c, readOnly }: { c: Campaign; readOnly: boolean }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [report, setReport] = useState<ImportReport | null>(null)
  const [err, setErr] = useState<string | null>(null)
  const imp = useMutation({
    mutationFn: async (f: File) => postCSV<ImportReport>(`/api/v1/campaigns/${encodeURIComponent(c.id!)}/leads/import`, await f.text()),
    onSuccess: (r) => {
      setErr(null)
      setReport(r)
      qc.invalidateQueries({ queryKey: ['admin', 'campaigns'] })
    },
    onError: (e) => {
      setReport(null)
      setErr(errorMessage(e))
    },
  })
  return (
    <>
      <Typography.Paragraph type="secondary">{t('admin.campaigns.leadsHint')}</Typography.Paragraph>
      <Space wrap>
        {!readOnly && c.status !== 'finished' && (
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
    </>
  )
}

function LeadsTab({ c, readOnly }: { c: Campaign; readOnly: boolean }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const qc = useQueryClient()
  const { message } = AntApp.useApp()
  const agents = useAgentNames()
  const [search, setSearch] = useState('')
  const [status, setStatus] = useState<string | undefined>()
  const [agent, setAgent] = useState<string | undefined>()
  const [selected, setSelected] = useState<number[]>([])
  const [assignTo, setAssignTo] = useState<string | undefined>()
  const [share, setShare] = useState<string[]>([])
  const [perAgent, setPerAgent] = useState<number | null>(null)
  const [err, setErr] = useState<string | null>(null)
  const key = ['admin', 'campaigns', c.id, 'leads', search, status ?? '', agent ?? '']
  const q = useInfiniteQuery({
    queryKey: key,
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        client.GET('/api/v1/campaigns/{id}/leads', {
          params: { path: { id: c.id! }, query: { q: search || undefined, status, agent, after: pageParam || undefined, limit: pageSize } as never },
        }),
      ),
    getNextPageParam: (last) => (last.length === pageSize ? last[last.length - 1].id : undefined),
  })
  const rows = useMemo(() => (q.data?.pages ?? []).flat(), [q.data])
  const refresh = () => {
    setSelected([])
    qc.invalidateQueries({ queryKey: ['admin', 'campaigns', c.id] })
  }
  const assign = useMutation({
    mutationFn: async ({ ids, to }: { ids: number[]; to: string }) => {
      const r = await unwrap(client.PUT('/api/v1/campaigns/{id}/leads/agent', { params: { path: { id: c.id! } }, body: { leads: ids, agent: to } }))
      return r.assigned ?? ids.length
    },
    onSuccess: (n, v) => {
      setErr(null)
      message.success(v.to ? t('campaigns.leads.assigned', { count: n, agent: agents.name(v.to) }) : t('campaigns.leads.unassigned', { count: n }))
      refresh()
    },
    onError: (e) => {
      setErr(errorMessage(e))
      refresh()
    },
  })
  const shareOut = useMutation({
    mutationFn: () => unwrap(client.POST('/api/v1/campaigns/{id}/leads/assign', { params: { path: { id: c.id! } }, body: { agents: share, per_agent: perAgent ?? undefined } })),
    onSuccess: (got) => {
      setErr(null)
      const parts = Object.entries(got ?? {}).map(([a, n]) => `${agents.name(a)}: ${n}`)
      message.success(t('campaigns.leads.shared', { list: parts.join(', ') || '0' }))
      refresh()
    },
    onError: (e) => setErr(errorMessage(e)),
  })
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <ImportExport c={c} readOnly={readOnly} />
      <Space wrap>
        <Input.Search allowClear aria-label={t('campaigns.leads.search')} placeholder={t('campaigns.leads.search')} style={{ width: 260 }} onSearch={(v) => setSearch(v.trim())} />
        <Select
          allowClear
          aria-label={t('campaigns.leads.status')}
          placeholder={t('campaigns.leads.anyStatus')}
          style={{ width: 160 }}
          value={status}
          onChange={setStatus}
          options={leadStatuses.map((s) => ({ value: s, label: t(`campaigns.leadStatus.${s}`) }))}
        />
        <Select allowClear showSearch optionFilterProp="label" aria-label={t('campaigns.leads.agent')} placeholder={t('campaigns.leads.anyAgent')} style={{ width: 200 }} value={agent} onChange={setAgent} options={agents.options} />
      </Space>
      {!readOnly && (
        <Space wrap>
          <Select allowClear showSearch optionFilterProp="label" aria-label={t('campaigns.leads.assignTo')} placeholder={t('campaigns.leads.assignTo')} style={{ width: 220 }} value={assignTo} onChange={setAssignTo} options={agents.options} />
          <Button type="primary" disabled={!selected.length || !assignTo} loading={assign.isPending} onClick={() => assign.mutate({ ids: selected, to: assignTo! })}>
            {t('campaigns.leads.assignSelected', { count: selected.length })}
          </Button>
          <Button disabled={!selected.length} onClick={() => assign.mutate({ ids: selected, to: '' })}>
            {t('campaigns.leads.unassignSelected')}
          </Button>
          <Typography.Text type="secondary">{t('campaigns.leads.or')}</Typography.Text>
          <Select mode="multiple" allowClear showSearch optionFilterProp="label" aria-label={t('campaigns.leads.shareAmong')} placeholder={t('campaigns.leads.shareAmong')} style={{ minWidth: 240 }} value={share} onChange={setShare} options={agents.options} />
          <InputNumber min={0} aria-label={t('campaigns.leads.perAgent')} placeholder={t('campaigns.leads.perAgent')} style={{ width: 130 }} value={perAgent} onChange={(v) => setPerAgent(v)} />
          <Button disabled={!share.length} loading={shareOut.isPending} onClick={() => shareOut.mutate()}>
            {t('campaigns.leads.share')}
          </Button>
        </Space>
      )}
      {err && <Alert type="error" showIcon role="alert" message={err} />}
      {q.error && <Alert type="error" showIcon message={errorMessage(q.error)} />}
      <Table<Lead>
        size="small"
        rowKey={(l) => l.id ?? 0}
        loading={q.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: true }}
        aria-label={t('campaigns.detail.leads')}
        rowSelection={readOnly ? undefined : { selectedRowKeys: selected, onChange: (k) => setSelected(k as number[]) }}
        expandable={{ expandedRowRender: (l) => <LeadAttempts c={c} lead={l} />, expandRowByClick: false }}
        columns={[
          { title: t('campaigns.leads.id'), dataIndex: 'id' },
          { title: t('campaigns.leads.name'), dataIndex: 'name' },
          { title: t('campaigns.leads.phone'), dataIndex: 'phone' },
          { title: t('campaigns.leads.status'), dataIndex: 'status', render: (s?: string) => <Tag color={leadColor[s ?? ''] ?? 'default'}>{t(`campaigns.leadStatus.${s}`, s ?? '')}</Tag> },
          { title: t('campaigns.leads.attempts'), key: 'attempts', render: (_: unknown, l: Lead) => t('campaigns.leads.attemptsValue', { n: l.attempts ?? 0, today: l.day_attempts ?? 0 }) },
          { title: t('campaigns.leads.lastOutcome'), dataIndex: 'last_outcome', render: (o?: string) => outcomeLabel(t, o) },
          { title: t('campaigns.leads.disposition'), dataIndex: 'disposition', render: (d?: string) => dispositionLabel(c, d) },
          { title: t('campaigns.leads.agent'), dataIndex: 'agent_id', render: (a?: string) => agents.name(a) },
          { title: t('campaigns.leads.nextAt'), dataIndex: 'next_at', render: (x?: string) => (x ? fmtDateTime(x, tz) : '') },
        ]}
      />
      <Space>
        <Typography.Text type="secondary">{t('campaigns.leads.shown', { count: rows.length })}</Typography.Text>
        {q.hasNextPage && (
          <Button loading={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
            {t('campaigns.leads.more')}
          </Button>
        )}
      </Space>
    </Space>
  )
}

// outcomeLabel says an attempt's outcome; the report counts skips as
// "skip:<kind>".
export function outcomeLabel(t: (k: string, o?: Record<string, unknown>) => string, o?: string): string {
  if (!o) return ''
  const word = (x: string) => t(`campaigns.outcomes.${x}`, { defaultValue: x })
  return o.startsWith('skip:') ? t('campaigns.report.skip', { kind: word(o.slice(5)) }) : word(o)
}

function dispositionLabel(c: Campaign, code?: string) {
  if (!code) return ''
  const d = c.settings?.dispositions?.find((x) => x.code === code)
  return d?.label ? `${d.label} (${code})` : code
}

function LeadAttempts({ c, lead }: { c: Campaign; lead: Lead }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const agents = useAgentNames()
  const q = useQuery({
    queryKey: ['admin', 'campaigns', c.id, 'attempts', lead.id],
    queryFn: () => unwrap(client.GET('/api/v1/campaigns/{id}/attempts', { params: { path: { id: c.id! }, query: { lead: lead.id } as never } })),
  })
  if (q.error) return <Alert type="error" message={errorMessage(q.error)} />
  return (
    <Table
      size="small"
      rowKey={(a) => a.id ?? 0}
      loading={q.isLoading}
      dataSource={q.data ?? []}
      pagination={false}
      locale={{ emptyText: t('campaigns.leads.noAttempts') }}
      columns={[
        { title: t('campaigns.attempts.started'), dataIndex: 'started_at', render: (x?: string) => fmtDateTime(x, tz) },
        { title: t('campaigns.attempts.kind'), dataIndex: 'kind', render: (k?: string) => t(`campaigns.attempts.kinds.${k}`, k ?? '') },
        { title: t('campaigns.attempts.outcome'), dataIndex: 'outcome', render: (o?: string) => outcomeLabel(t, o) },
        { title: t('campaigns.leads.agent'), dataIndex: 'agent_id', render: (a?: string) => agents.name(a) },
        { title: t('campaigns.leads.disposition'), dataIndex: 'disposition', render: (d?: string) => dispositionLabel(c, d) },
        { title: t('campaigns.attempts.answers'), dataIndex: 'answers', render: (a: unknown) => (a && typeof a === 'object' && Object.keys(a).length ? Object.entries(a as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`).join('; ') : '') },
        { title: t('campaigns.attempts.note'), key: 'note', render: (_: unknown, a: Schemas['api.attemptView']) => [a.note, a.reason].filter(Boolean).join(' · ') },
      ]}
    />
  )
}

const pct = (x?: number) => (x == null ? '–' : `${x.toFixed(2)}%`)

function PacingView({ c }: { c: Campaign }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const q = useQuery({
    queryKey: ['admin', 'campaigns', c.id, 'pacing'],
    queryFn: () => unwrap(client.GET('/api/v1/campaigns/{id}/pacing', { params: { path: { id: c.id! }, query: { limit: 0 } as never } })),
    refetchInterval: 5000,
  })
  if (q.error) return <Alert type="error" showIcon message={errorMessage(q.error)} />
  const p = q.data as (Schemas['campaign.Pacing'] & { profile?: Profile }) | undefined
  const decisions = [...(p?.decisions ?? [])].reverse()
  const cap = p?.profile?.cap_pct
  const over = (f?: Schemas['campaign.AbandonFigure']) => (cap != null && (f?.pct ?? 0) > cap ? 'red' : 'green')
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {c.type !== 'predictive' && <Alert type="info" showIcon message={t('campaigns.pacing.notPredictive')} />}
      <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} labelStyle={{ whiteSpace: 'nowrap' }} title={t('campaigns.pacing.profile')}>
        <Descriptions.Item label={t('campaigns.pacing.profileName')}>{p?.profile?.name ? t(`admin.campaigns.profiles.${p.profile.name}`, p.profile.name) : '–'}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.pacing.cap')}>{pct(cap)}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.pacing.period')}>{t('campaigns.pacing.hours', { n: p?.profile?.period_hours ?? 0 })}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.pacing.connect')}>{t('campaigns.pacing.ms', { n: p?.profile?.connect_ms ?? 0 })}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.pacing.noRepeat')} span={2}>
          {p?.profile?.no_repeat_hours ? t('campaigns.pacing.hours', { n: p.profile.no_repeat_hours }) : '–'}
        </Descriptions.Item>
        <Descriptions.Item label={t('campaigns.pacing.source')} span={3}>
          {/* The citation as the API gives it, with the profile's summary in the console's language. */}
          {p?.profile?.name && <div>{t(`campaigns.pacing.sources.${p.profile.name}`, { defaultValue: '' })}</div>}
          <Typography.Text type="secondary">{p?.profile?.source}</Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} labelStyle={{ whiteSpace: 'nowrap' }} title={t('campaigns.pacing.abandon')}>
        <Descriptions.Item label={t('campaigns.pacing.overPeriod', { n: p?.period?.hours ?? 0 })}>
          <span data-testid="abandon-period">
            <Tag color={over(p?.period)}>{pct(p?.period?.pct)}</Tag>
            {t('campaigns.pacing.ofAnswers', { abandons: p?.period?.abandons ?? 0, answers: p?.period?.answers ?? 0 })}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('campaigns.pacing.overWindow', { n: Math.round((p?.window?.hours ?? 0) * 60) })}>
          <Tag color={over(p?.window)}>{pct(p?.window?.pct)}</Tag>
          {t('campaigns.pacing.ofAnswers', { abandons: p?.window?.abandons ?? 0, answers: p?.window?.answers ?? 0 })}
        </Descriptions.Item>
        <Descriptions.Item label={t('campaigns.pacing.inFlight')}>{p?.in_flight ?? 0}</Descriptions.Item>
      </Descriptions>
      <PacingCharts decisions={p?.decisions ?? []} cap={cap} />
      <Typography.Title level={5}>{t('campaigns.pacing.decisions')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('campaigns.pacing.decisionsHint')}</Typography.Paragraph>
      <Table
        size="small"
        rowKey={(d) => `${d.at}-${d.dial}`}
        loading={q.isLoading}
        dataSource={decisions}
        scroll={{ x: true }}
        pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
        locale={{ emptyText: <Empty description={t('campaigns.pacing.noDecisions')} /> }}
        columns={[
          { title: t('campaigns.pacing.at'), dataIndex: 'at', render: (x?: string) => fmtTime(x, tz) },
          { title: t('campaigns.pacing.agents'), key: 'agents', render: (_: unknown, d: Schemas['campaign.Decision']) => t('campaigns.pacing.agentsValue', { free: d.free_agents ?? 0, busy: d.busy_agents ?? 0 }) },
          { title: t('campaigns.pacing.ringing'), dataIndex: 'ringing' },
          { title: t('campaigns.pacing.answerProb'), dataIndex: 'answer_prob', render: (x?: number) => `${Math.round((x ?? 0) * 100)}%` },
          { title: t('campaigns.pacing.handle'), dataIndex: 'mean_handle_ms', render: (x?: number) => fmtDuration(x) },
          { title: t('campaigns.pacing.expected'), key: 'exp', render: (_: unknown, d: Schemas['campaign.Decision']) => t('campaigns.pacing.expectedValue', { answers: (d.expected_answers ?? 0).toFixed(1), agents: (d.expected_agents ?? 0).toFixed(1), abandons: (d.expected_abandons ?? 0).toFixed(2) }) },
          { title: t('campaigns.pacing.budget'), dataIndex: 'budget', render: (x?: number) => (x ?? 0).toFixed(2) },
          { title: t('campaigns.pacing.windowPct'), dataIndex: 'window_abandon_pct', render: (x?: number) => pct(x) },
          { title: t('campaigns.pacing.dial'), dataIndex: 'dial', render: (x?: number) => <b>{x}</b> },
          { title: t('campaigns.pacing.why'), key: 'why', render: (_: unknown, d: Schemas['campaign.Decision']) => <Tooltip title={d.reason}>{explain(t, d)}</Tooltip> },
        ]}
      />
    </Space>
  )
}

// PacingCharts draws the pacer's decisions of the last hour (kept by the
// dialer, GET /pacing?limit=0) over time: calls dialled, calls ringing and
// agents free and busy; and the abandon rate the pacer steered on against
// the profile's cap, with the live answers it is measured over.
function PacingCharts({ decisions, cap }: { decisions: Schemas['campaign.Decision'][]; cap?: number }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const { categories, load, abandon, top } = useMemo(() => {
    const ds = [...decisions].sort((a, b) => String(a.at).localeCompare(String(b.at)))
    const col = (f: (d: Schemas['campaign.Decision']) => number | undefined) => ds.map((d) => f(d) ?? 0)
    const rates = [...col((d) => d.window_abandon_pct), ...col((d) => d.guard_abandon_pct)]
    return {
      categories: ds.map((d) => fmtTime(d.at, tz)),
      load: [
        { name: t('campaignCharts.dial'), data: col((d) => d.dial), type: 'bar' },
        { name: t('campaignCharts.ringing'), data: col((d) => d.ringing), type: 'line' },
        { name: t('campaignCharts.freeAgents'), data: col((d) => d.free_agents), type: 'line' },
        { name: t('campaignCharts.busyAgents'), data: col((d) => d.busy_agents), type: 'line' },
      ] as Series[],
      abandon: [
        { name: t('campaignCharts.windowAnswers'), data: col((d) => d.window_answers), type: 'bar' },
        { name: t('campaignCharts.windowPct'), data: col((d) => d.window_abandon_pct), type: 'line', yAxis: 1 },
        { name: t('campaignCharts.hourPct'), data: col((d) => d.guard_abandon_pct), type: 'line', yAxis: 1 },
        { name: t('campaignCharts.capPct'), data: col((d) => d.cap_pct ?? cap), type: 'line', yAxis: 1 },
      ] as Series[],
      top: percentTop(cap, rates),
    }
  }, [decisions, cap, tz, t])
  return (
    <>
      <Typography.Title level={5}>{t('campaignCharts.pacingTitle')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('campaignCharts.pacingHint')}</Typography.Paragraph>
      <LazyChart testId="campaign-pacing-chart" label={t('campaignCharts.pacingTitle')} categories={categories} series={load} />
      <Typography.Title level={5}>{t('campaignCharts.abandonTitle')}</Typography.Title>
      <LazyChart testId="campaign-abandon-chart" label={t('campaignCharts.abandonTitle')} categories={categories} series={abandon} percentAxis percentMax={top} />
    </>
  )
}

// ReportCharts draws the report's span: outcomes of the call attempts,
// leads by number of attempts, dispositions given (all agents), and the
// abandon rate per rolling window against the compliance profile's cap.
function ReportCharts({ c, r }: { c: Campaign; r?: Schemas['campaign.Report'] }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const pacing = useQuery({
    queryKey: ['admin', 'campaigns', c.id, 'pacing'],
    queryFn: () => unwrap(client.GET('/api/v1/campaigns/{id}/pacing', { params: { path: { id: c.id! }, query: { limit: 0 } as never } })),
  })
  const cap = (pacing.data as (Schemas['campaign.Pacing'] & { profile?: Profile }) | undefined)?.profile?.cap_pct
  const ch = useMemo(() => {
    const outcomes = Object.entries(r?.outcomes ?? {}).sort((a, b) => b[1] - a[1])
    const perLead = [...(r?.attempts_per_lead ?? [])].sort((a, b) => (a.attempts ?? 0) - (b.attempts ?? 0))
    const disp: Record<string, number> = {}
    for (const a of r?.agents ?? []) for (const [k, n] of Object.entries(a.dispositions ?? {})) disp[k] = (disp[k] ?? 0) + n
    const dispositions = Object.entries(disp).sort((a, b) => b[1] - a[1])
    const windows = r?.abandon ?? []
    return {
      outcomes: { categories: outcomes.map(([o]) => outcomeLabel(t, o)), series: [{ name: t('campaigns.report.count'), data: outcomes.map(([, n]) => n) }] as Series[] },
      perLead: { categories: perLead.map((b) => String(b.attempts ?? 0)), series: [{ name: t('campaigns.report.leads'), data: perLead.map((b) => b.leads ?? 0) }] as Series[] },
      dispositions: { categories: dispositions.map(([k]) => dispositionLabel(c, k)), series: [{ name: t('campaigns.report.count'), data: dispositions.map(([, n]) => n) }] as Series[] },
      abandon: {
        categories: windows.map((w) => fmtTime(w.to, tz)),
        series: [
          { name: t('campaigns.report.answers'), data: windows.map((w) => w.answers ?? 0), type: 'bar' },
          { name: t('campaigns.report.abandons'), data: windows.map((w) => w.abandons ?? 0), type: 'bar' },
          { name: t('campaigns.report.abandonPct'), data: windows.map((w) => w.pct ?? 0), type: 'line', yAxis: 1 },
          ...(cap != null ? [{ name: t('campaignCharts.capPct'), data: windows.map(() => cap), type: 'line', yAxis: 1 }] : []),
        ] as Series[],
        top: percentTop(cap, windows.map((w) => w.pct ?? 0)),
      },
    }
  }, [r, c, cap, t, tz])
  const box = (title: string, node: React.ReactNode) => (
    <Card size="small" title={title} style={{ flex: '1 1 420px', minWidth: 320 }}>
      {node}
    </Card>
  )
  return (
    <div style={{ display: 'flex', flexWrap: 'wrap', gap: 16 }}>
      {box(t('campaignCharts.outcomes'), <LazyChart testId="campaign-outcomes-chart" label={t('campaignCharts.outcomes')} {...ch.outcomes} />)}
      {box(t('campaignCharts.attemptsPerLead'), <LazyChart testId="campaign-attempts-chart" label={t('campaignCharts.attemptsPerLead')} {...ch.perLead} />)}
      {box(t('campaignCharts.dispositions'), <LazyChart testId="campaign-dispositions-chart" label={t('campaignCharts.dispositions')} {...ch.dispositions} />)}
      {box(t('campaignCharts.abandonWindows'), <LazyChart testId="campaign-abandon-windows-chart" label={t('campaignCharts.abandonWindows')} {...ch.abandon} percentAxis percentMax={ch.abandon.top} />)}
    </div>
  )
}

function explain(t: (k: string, o?: Record<string, unknown>) => string, d: Schemas['campaign.Decision']) {
  const codes = decisionCodes(d)
  if (!codes.length) return d.reason
  return codes
    .map((c) =>
      t(`campaigns.pacing.codes.${c}`, {
        beta: (d.beta ?? 0).toPrecision(3),
        guard: (d.guard ?? 0).toFixed(2),
        hour: (d.guard_abandon_pct ?? 0).toFixed(2),
        cap: d.cap_pct ?? 0,
        allowed: (d.allowed_pct ?? 0).toFixed(2),
        dial: d.dial ?? 0,
        min: d.min_lines_per_agent ?? 1,
      }),
    )
    .join(t('campaigns.pacing.codesJoin'))
}

const windowChoices = [15, 60, 240, 1440]

function ReportView({ c }: { c: Campaign }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const agents = useAgentNames()
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => [dayjs().subtract(24, 'hour'), dayjs()])
  const [win, setWin] = useState(60)
  const [err, setErr] = useState<string | null>(null)
  const qs = reportQuery(range[0].toDate(), range[1].toDate(), win)
  const q = useQuery({
    queryKey: ['admin', 'campaigns', c.id, 'report', qs],
    queryFn: () => unwrap(client.GET('/api/v1/campaigns/{id}/report', { params: { path: { id: c.id! }, query: Object.fromEntries(new URLSearchParams(qs)) as never } })),
  })
  const r = q.data
  const csv = (section: (typeof reportSections)[number]) => (
    <Button
      size="small"
      aria-label={`${t('campaigns.report.csv')} ${t(`campaigns.report.sections.${section}`)}`}
      onClick={() => download(`/api/v1/campaigns/${encodeURIComponent(c.id!)}/report?${reportQuery(range[0].toDate(), range[1].toDate(), win, section)}`, `${c.id}-${section}.csv`).catch((e) => setErr(errorMessage(e)))}
    >
      {t('campaigns.report.csv')}
    </Button>
  )
  const title = (section: (typeof reportSections)[number]) => (
    <Space>
      <span>{t(`campaigns.report.sections.${section}`)}</span>
      {csv(section)}
    </Space>
  )
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <DatePicker.RangePicker
          showTime
          aria-label={t('campaigns.report.range')}
          value={range}
          onChange={(v) => v?.[0] && v?.[1] && setRange([v[0], v[1]])}
          allowClear={false}
        />
        <Select
          aria-label={t('campaigns.report.window')}
          style={{ width: 180 }}
          value={win}
          onChange={setWin}
          options={windowChoices.map((m) => ({ value: m, label: t('campaigns.report.windowValue', { n: m >= 60 ? m / 60 : m, unit: m >= 60 ? t('campaigns.report.hoursUnit') : t('campaigns.form.minutes') }) }))}
        />
        <Button onClick={() => q.refetch()}>{t('campaigns.report.refresh')}</Button>
        <Typography.Text type="secondary">{t('campaigns.report.tz', { tz })}</Typography.Text>
      </Space>
      {err && <Alert type="error" showIcon role="alert" message={err} />}
      {q.error && <Alert type="error" showIcon message={errorMessage(q.error)} />}
      <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} title={t('campaigns.report.progress')}>
        <Descriptions.Item label={t('campaigns.report.leads')}>{r?.progress?.leads ?? 0}</Descriptions.Item>
        <Descriptions.Item label={t('campaigns.report.byStatus')} span={2}>
          <Space wrap size={[4, 4]}>
            {Object.entries(r?.progress?.by_status ?? {}).map(([s, n]) => (
              <Tag key={s} color={leadColor[s] ?? 'default'}>
                {t(`campaigns.leadStatus.${s}`, s)}: {n}
              </Tag>
            ))}
          </Space>
        </Descriptions.Item>
      </Descriptions>
      <ReportCharts c={c} r={r} />
      <Space align="start" wrap size="large">
        <Table
          size="small"
          title={() => title('outcomes')}
          rowKey={(x) => x[0]}
          dataSource={Object.entries(r?.outcomes ?? {}).sort((a, b) => b[1] - a[1])}
          pagination={false}
          columns={[
            { title: t('campaigns.attempts.outcome'), render: (_: unknown, x: [string, number]) => outcomeLabel(t, x[0]) },
            { title: t('campaigns.report.count'), render: (_: unknown, x: [string, number]) => x[1] },
          ]}
        />
        <Table
          size="small"
          title={() => title('attempts_per_lead')}
          rowKey={(x) => x.attempts ?? 0}
          dataSource={r?.attempts_per_lead ?? []}
          pagination={false}
          columns={[
            { title: t('campaigns.leads.attempts'), dataIndex: 'attempts' },
            { title: t('campaigns.report.leads'), dataIndex: 'leads' },
          ]}
        />
      </Space>
      <Table
        size="small"
        title={() => title('abandon')}
        rowKey={(x) => x.from ?? ''}
        dataSource={[...(r?.abandon ?? [])].reverse()}
        pagination={{ pageSize: 8, hideOnSinglePage: true, showSizeChanger: false }}
        columns={[
          { title: t('campaigns.report.windowCol'), key: 'w', render: (_: unknown, x: Schemas['campaign.AbandonWindow']) => `${fmtDateTime(x.from, tz)} – ${fmtTime(x.to, tz)}` },
          { title: t('campaigns.report.answers'), dataIndex: 'answers' },
          { title: t('campaigns.report.abandons'), dataIndex: 'abandons' },
          { title: t('campaigns.report.abandonPct'), dataIndex: 'pct', render: (x?: number) => pct(x) },
        ]}
      />
      <Table
        size="small"
        title={() => title('agents')}
        rowKey={(x) => x.agent_id ?? ''}
        dataSource={r?.agents ?? []}
        pagination={false}
        scroll={{ x: true }}
        columns={[
          { title: t('campaigns.leads.agent'), dataIndex: 'agent_id', render: (a?: string) => agents.name(a) },
          { title: t('campaigns.report.calls'), dataIndex: 'calls' },
          { title: t('campaigns.report.answered'), dataIndex: 'answered' },
          { title: t('campaigns.report.missed'), dataIndex: 'missed' },
          { title: t('campaigns.report.avgHandle'), dataIndex: 'avg_handle_ms', render: (x?: number) => fmtDuration(x) },
          { title: t('campaigns.report.perHour'), dataIndex: 'answered_per_hour', render: (x?: number) => (x ?? 0).toFixed(1) },
          { title: t('campaigns.leads.disposition'), dataIndex: 'dispositions', render: (d?: Record<string, number>) => Object.entries(d ?? {}).map(([k, n]) => `${dispositionLabel(c, k)}: ${n}`).join(', ') },
        ]}
      />
    </Space>
  )
}
