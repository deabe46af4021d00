// ReportPage shows one standard report: date range in the tenant's time
// zone, filters, a chart, the table, CSV of exactly what the table shows,
// and drill-down from a figure to the calls behind it.
import { useMemo, type HTMLAttributes, type ReactNode } from 'react'
import { Alert, Button, DatePicker, Input, Select, Space, Table, Typography, App as AntApp } from 'antd'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useSearchParams } from 'react-router-dom'
import dayjs from 'dayjs'
import { ApiError } from '../lib/api'
import { getSession } from '../lib/session'
import i18n from '../lib/i18n'
import { fmtDateTime, fmtDuration, fmtPercent } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { useQueues, useUsers } from '../admin/inputs'
import { download, saveBlob } from '../admin/http'
import { Chart, type Series } from './Chart'
import { csvBlob, toCSV } from './csv'

export type Fmt = 'int' | 'ms' | 'pct' | 'time' | 'text' | 'avg' | 'map' | 'bool'
export type Row = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
export type Params = Record<string, string>
export type Drill = { report: string; params: Params }
export type Col = {
  key: string
  title: string
  fmt?: Fmt
  get?: (r: Row) => unknown
  // drill names the report (usually the calls) behind this figure.
  drill?: (r: Row, p: Params) => Drill | undefined
  // callLink names the call a cell opens (the call's detail page).
  callLink?: (r: Row) => string | undefined
  render?: (r: Row) => ReactNode
  // action columns (buttons) are not data: left out of the CSV.
  action?: boolean
}
export type ChartSpec = { categories: string[]; series: Series[]; pick?: (i: number) => Drill | undefined; percentAxis?: boolean }
export type ReportDef = {
  key: string
  api: string
  paged?: boolean
  filters: ('queue' | 'agent' | 'number')[]
  options?: { param: string; values: string[] }[]
  rows: (data: any) => Row[] // eslint-disable-line @typescript-eslint/no-explicit-any
  rowKey: (r: Row, i: number) => string
  columns: (t: (k: string) => string) => Col[]
  chart?: (rows: Row[], t: (k: string) => string, p: Params) => ChartSpec
}

// tenantToday is today's date in the tenant's zone, YYYY-MM-DD.
export function tenantToday(tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

export function addDays(date: string, n: number): string {
  return dayjs(date.slice(0, 10)).add(n, 'day').format('YYYY-MM-DD')
}

async function getJSON(path: string): Promise<unknown> {
  const s = getSession()
  const res = await fetch(path, { headers: s ? { Authorization: `Bearer ${s.token}` } : {} })
  const body = await res.json().catch(() => undefined)
  if (!res.ok) throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? res.statusText, body?.error?.field)
  return body
}

export function cellText(c: Col, r: Row, tz: string, t: (k: string) => string): string {
  const v = c.get ? c.get(r) : r[c.key]
  switch (c.fmt) {
    case 'int':
      return String(v ?? 0)
    case 'ms':
      return fmtDuration(Number(v ?? 0))
    case 'pct':
      return fmtPercent(v as number)
    case 'avg':
      return v == null ? '–' : Number(v).toFixed(2)
    case 'time':
      return fmtDateTime(v as string, tz)
    case 'bool':
      return v ? t('admin.yes') : t('admin.no')
    case 'map':
      return Object.entries((v as Record<string, number>) ?? {})
        .map(([k, x]) => (/_ms$|reason/.test(c.key) ? `${i18n.t(`reason.${k}`, { defaultValue: k })}:${fmtDuration(Number(x))}` : `${k}:${x}`))
        .join(' ')
    default:
      return v == null ? '' : String(v)
  }
}

export function drillURL(d: Drill): string {
  return `/reports/${d.report}?${new URLSearchParams(d.params)}`
}

export function ReportPage({ def }: { def: ReportDef }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const nav = useNavigate()
  const { message } = AntApp.useApp()
  const [sp, setSp] = useSearchParams()
  const today = tenantToday(tz)
  const from = sp.get('from') || today
  const to = sp.get('to') || addDays(from, 1)
  const params: Params = { from, to }
  for (const f of [...def.filters, ...(def.options ?? []).map((o) => o.param)]) {
    const v = sp.get(f)
    if (v) params[f] = v
  }
  const qs = new URLSearchParams(params).toString()
  const set = (k: string, v?: string) => {
    const n = new URLSearchParams(sp)
    if (v) n.set(k, v)
    else n.delete(k)
    setSp(n, { replace: true })
  }
  const base = `/api/v1/reports/${def.api}`
  const plain = useQuery({ queryKey: ['report', def.api, qs], queryFn: () => getJSON(`${base}?${qs}`), enabled: !def.paged })
  const paged = useInfiniteQuery({
    queryKey: ['report', def.api, qs, 'paged'],
    queryFn: ({ pageParam }) => getJSON(`${base}?${qs}&limit=200${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`) as Promise<{ rows?: Row[]; next_cursor?: string }>,
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor || undefined,
    enabled: !!def.paged,
  })
  const rows: Row[] = useMemo(
    () => (def.paged ? (paged.data?.pages ?? []).flatMap((p) => def.rows(p)) : plain.data ? def.rows(plain.data) : []),
    [def, paged.data, plain.data],
  )
  const error = def.paged ? paged.error : plain.error
  const loading = def.paged ? paged.isLoading : plain.isLoading
  const cols = def.columns(t)
  const chart = def.chart?.(rows, t, params)
  const queues = useQueues().data ?? []
  const users = useUsers().data ?? []
  const range: [dayjs.Dayjs, dayjs.Dayjs] = [dayjs(from), to.length === 10 ? dayjs(to).subtract(1, 'day') : dayjs(to)]
  const withTime = from.length > 10 || to.length > 10

  const exportShown = () => {
    const data = cols.filter((c) => !c.action)
    const text = toCSV(
      data.map((c) => c.title),
      rows.map((r) => data.map((c) => cellText(c, r, tz, t))),
    )
    saveBlob(csvBlob(text), `${def.key}-${from.slice(0, 10)}.csv`)
  }

  return (
    <section aria-label={t(`reports.names.${def.key}`)}>
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t(`reports.names.${def.key}`)}
        </Typography.Title>
        <Typography.Text type="secondary">{t(`reports.about.${def.key}`)}</Typography.Text>
        <Space wrap>
          <DatePicker.RangePicker
            aria-label={t('reports.range')}
            allowClear={false}
            showTime={withTime ? { format: 'HH:mm' } : undefined}
            format={withTime ? 'YYYY-MM-DD HH:mm' : 'YYYY-MM-DD'}
            value={range}
            onChange={(r) => {
              if (!r?.[0] || !r[1]) return
              const n = new URLSearchParams(sp)
              n.set('from', r[0].format('YYYY-MM-DD'))
              n.set('to', r[1].add(1, 'day').format('YYYY-MM-DD'))
              setSp(n, { replace: true })
            }}
          />
          <Typography.Text type="secondary">{t('reports.inZone', { tz })}</Typography.Text>
          {def.filters.includes('queue') && (
            <Select
              mode="multiple"
              allowClear
              aria-label={t('reports.queue')}
              placeholder={t('reports.queue')}
              style={{ minWidth: 180 }}
              value={params.queue ? params.queue.split(',') : []}
              onChange={(v: string[]) => set('queue', v.join(','))}
              options={queues.map((q) => ({ value: q.id!, label: q.name || q.id }))}
            />
          )}
          {def.filters.includes('agent') && (
            <Select
              mode="multiple"
              allowClear
              aria-label={t('reports.agent')}
              placeholder={t('reports.agent')}
              style={{ minWidth: 200 }}
              optionFilterProp="label"
              value={params.agent ? params.agent.split(',') : []}
              onChange={(v: string[]) => set('agent', v.join(','))}
              options={users.filter((u) => u.role !== 'admin').map((u) => ({ value: u.id!, label: `${u.display_name || u.username} ${u.work_number ?? ''}` }))}
            />
          )}
          {def.filters.includes('number') && <Input.Search allowClear aria-label={t('reports.number')} placeholder={t('reports.number')} style={{ width: 200 }} defaultValue={params.number} onSearch={(v) => set('number', v.trim())} />}
          {(def.options ?? []).map((o) => (
            <Select
              key={o.param}
              allowClear
              aria-label={t(`reports.options.${o.param}`)}
              placeholder={t(`reports.options.${o.param}`)}
              style={{ width: 200 }}
              value={params[o.param]}
              onChange={(v?: string) => set(o.param, v)}
              options={o.values.map((v) => ({ value: v, label: t(`reports.optionValues.${o.param}.${v}`) }))}
            />
          ))}
          <Button onClick={exportShown} disabled={!rows.length}>
            {t('reports.exportShown')}
          </Button>
          <Button onClick={() => download(`${base}?${qs}&format=csv&bom=1`, `${def.key}-all-${from.slice(0, 10)}.csv`).catch((e) => message.error((e as Error).message))}>{t('reports.exportAll')}</Button>
        </Space>
        {error && <Alert type="error" showIcon role="alert" message={(error as Error).message} />}
        {chart && chart.categories.length > 0 && (
          <Chart
            label={t(`reports.names.${def.key}`)}
            categories={chart.categories}
            series={chart.series}
            percentAxis={chart.percentAxis}
            onPick={
              chart.pick
                ? (i) => {
                    const d = chart.pick!(i)
                    if (d) nav(drillURL(d))
                  }
                : undefined
            }
          />
        )}
        <Table<Row>
          size="small"
          data-testid="report-table"
          rowKey={(r) => def.rowKey(r, rows.indexOf(r))}
          loading={loading}
          dataSource={rows}
          pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
          scroll={{ x: true }}
          columns={cols.map((c) => ({
            title: c.title,
            key: c.key,
            onHeaderCell: () => (c.action ? { 'data-action': 'true' } : {}) as HTMLAttributes<HTMLElement>,
            onCell: () => (c.action ? { 'data-action': 'true' } : {}) as HTMLAttributes<HTMLElement>,
            render: (_: unknown, r: Row) => {
              if (c.render) return c.render(r)
              const text = cellText(c, r, tz, t)
              const call = c.callLink?.(r)
              if (call) return <Link to={`/reports/call/${call}`}>{text}</Link>
              const d = c.drill?.(r, params)
              return d ? (
                <Link to={drillURL(d)} title={t('reports.drill')}>
                  {text}
                </Link>
              ) : (
                text
              )
            },
          }))}
        />
        {def.paged && paged.hasNextPage && (
          <Button onClick={() => paged.fetchNextPage()} loading={paged.isFetchingNextPage}>
            {t('reports.more')}
          </Button>
        )}
        <Typography.Text type="secondary">{t('reports.rowsShown', { count: rows.length })}</Typography.Text>
      </Space>
    </section>
  )
}
