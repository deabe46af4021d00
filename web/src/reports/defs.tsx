// The standard reports (docs/reports.md): what each asks the API, its
// columns, its chart and where each figure drills down to.
import { Button, App as AntApp } from 'antd'
import { useTranslation } from 'react-i18next'
import { getSession } from '../lib/session'
import { addDays, type Col, type Params, type ReportDef, type Row } from './ReportPage'

const agentName = (r: Row) => r.agent_name || r.agent || ''
const keep = (p: Params, ...names: string[]) => Object.fromEntries(names.filter((n) => p[n]).map((n) => [n, p[n]]))
const toCalls = (p: Params, extra: Params) => ({ report: 'calls', params: { ...keep(p, 'from', 'to', 'number', 'queue', 'agent'), ...extra } })
const count = (rows: Row[], key: (r: Row) => string) => {
  const m = new Map<string, number>()
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1)
  return m
}
const pct = (x?: number) => Math.round((x ?? 0) * 1000) / 10

const agentCols = (t: (k: string) => string): Col[] => [
  { key: 'agent_name', title: t('reports.cols.agent'), get: agentName },
  { key: 'agent_work_number', title: t('reports.cols.workNumber') },
]

// DialBack places the click-to-dial request the abandoned report carries
// for the row, from the signed-in user's phone.
function DialBack({ r }: { r: Row }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const d = r.dial_back as { method?: string; path?: string; body?: Record<string, string> } | undefined
  if (!d?.path) return null
  return (
    <Button
      size="small"
      onClick={async () => {
        const s = getSession()
        const res = await fetch(d.path!, { method: d.method ?? 'POST', headers: { 'Content-Type': 'application/json', ...(s ? { Authorization: `Bearer ${s.token}` } : {}) }, body: JSON.stringify(d.body ?? {}) })
        if (res.ok) message.success(t('reports.dialing', { number: r.caller }))
        else message.error(((await res.json().catch(() => undefined))?.error?.message as string) ?? res.statusText)
      }}
    >
      {t('reports.dialBack')}
    </Button>
  )
}

export const reportDefs: ReportDef[] = [
  {
    key: 'calls',
    api: 'calls',
    paged: true,
    filters: ['queue', 'agent', 'number'],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => r.id,
    columns: (t) => [
      { key: 'started_at', title: t('reports.cols.started'), fmt: 'time', callLink: (r) => r.id },
      { key: 'direction', title: t('reports.cols.direction'), get: (r) => t(`calls.directions.${r.direction}`) },
      { key: 'ani', title: t('reports.cols.caller') },
      { key: 'dnis', title: t('reports.cols.called') },
      { key: 'queue', title: t('reports.cols.queue') },
      ...agentCols(t),
      { key: 'disposition', title: t('reports.cols.disposition') },
      { key: 'wait_ms', title: t('reports.cols.wait'), fmt: 'ms' },
      { key: 'talk_ms', title: t('reports.cols.talk'), fmt: 'ms' },
      { key: 'duration_ms', title: t('reports.cols.duration'), fmt: 'ms' },
      { key: 'survey_score', title: t('reports.cols.score'), get: (r) => r.survey_score ?? '' },
    ],
    chart: (rows, t) => {
      const m = count(rows, (r) => r.disposition || '–')
      return { categories: [...m.keys()], series: [{ name: t('reports.cols.calls'), data: [...m.values()] }] }
    },
  },
  {
    key: 'hourly',
    api: 'hourly',
    filters: ['queue', 'number'],
    rows: (d) => (d.days ?? []).filter((s: Row) => s.offered || s.answered),
    rowKey: (r) => `${r.date}-${r.hour}`,
    columns: (t) => [
      { key: 'date', title: t('reports.cols.date') },
      { key: 'hour', title: t('reports.cols.hour'), get: (r) => `${String(r.hour).padStart(2, '0')}:00` },
      { key: 'offered', title: t('reports.cols.offered'), fmt: 'int', drill: (r, p) => toCalls(p, hourRange(r.date, r.hour)) },
      { key: 'answered', title: t('reports.cols.answered'), fmt: 'int', drill: (r, p) => toCalls(p, hourRange(r.date, r.hour)) },
      { key: 'rate', title: t('reports.cols.answerRate'), fmt: 'pct', get: (r) => (r.offered ? r.answered / r.offered : undefined) },
    ],
    chart: (rows, t, p) => {
      const hours = Array.from({ length: 24 }, (_, h) => h)
      const sum = (h: number, k: string) => rows.filter((r) => r.hour === h).reduce((n, r) => n + (r[k] ?? 0), 0)
      const oneDay = p.from.length === 10 && p.to === addDays(p.from, 1)
      return {
        categories: hours.map((h) => `${String(h).padStart(2, '0')}:00`),
        series: [
          { name: t('reports.cols.offered'), data: hours.map((h) => sum(h, 'offered')) },
          { name: t('reports.cols.answered'), data: hours.map((h) => sum(h, 'answered')) },
        ],
        pick: oneDay ? (h) => toCalls(p, hourRange(p.from, h)) : undefined,
      }
    },
  },
  {
    key: 'agents',
    api: 'agents/calls',
    filters: ['queue', 'agent'],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => r.agent,
    columns: (t) => [
      ...agentCols(t),
      { key: 'offered', title: t('reports.cols.offered'), fmt: 'int', drill: (r, p) => toCalls(p, { agent: r.agent }) },
      { key: 'inbound_answered', title: t('reports.cols.answered'), fmt: 'int', drill: (r, p) => toCalls(p, { agent: r.agent }) },
      { key: 'connect_rate', title: t('reports.cols.connectRate'), fmt: 'pct' },
      { key: 'outbound', title: t('reports.cols.outbound'), fmt: 'int', drill: (r, p) => toCalls(p, { agent: r.agent }) },
      { key: 'outbound_connected', title: t('reports.cols.outboundConnected'), fmt: 'int' },
      { key: 'talk_ms', title: t('reports.cols.talk'), fmt: 'ms' },
      { key: 'avg_talk_ms', title: t('reports.cols.avgTalk'), fmt: 'ms' },
    ],
    chart: (rows, t, p) => ({
      categories: rows.map(agentName),
      series: [
        { name: t('reports.cols.offered'), data: rows.map((r) => r.offered ?? 0) },
        { name: t('reports.cols.answered'), data: rows.map((r) => r.inbound_answered ?? 0) },
        { name: t('reports.cols.outbound'), data: rows.map((r) => r.outbound ?? 0) },
      ],
      pick: (i) => toCalls(p, { agent: rows[i].agent }),
    }),
  },
  {
    key: 'service',
    api: 'agents/service',
    filters: ['agent'],
    options: [{ param: 'by', values: ['agent', 'day'] }],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => `${r.agent}-${r.date ?? ''}`,
    columns: (t) => [
      ...agentCols(t),
      { key: 'date', title: t('reports.cols.date') },
      { key: 'logged_in_ms', title: t('reports.cols.loggedIn'), fmt: 'ms', drill: (r, p) => ({ report: 'operations', params: { ...keep(p, 'from', 'to'), agent: r.agent } }) },
      { key: 'ready_ms', title: t('reports.cols.ready'), fmt: 'ms' },
      { key: 'not_ready_ms', title: t('reports.cols.notReady'), fmt: 'ms' },
      { key: 'not_ready_by_reason', title: t('reports.cols.byReason'), fmt: 'map' },
      { key: 'ringing_ms', title: t('reports.cols.ringing'), fmt: 'ms' },
      { key: 'on_call_ms', title: t('reports.cols.onCall'), fmt: 'ms', drill: (r, p) => toCalls(p, { agent: r.agent }) },
      { key: 'wrapup_ms', title: t('reports.cols.wrapUp'), fmt: 'ms' },
    ],
    chart: (rows, t, p) => {
      const min = (k: string) => rows.map((r) => Math.round((r[k] ?? 0) / 600) / 100)
      return {
        categories: rows.map((r) => `${agentName(r)}${r.date ? ` ${r.date}` : ''}`),
        series: [
          { name: `${t('reports.cols.ready')} (${t('reports.minutes')})`, data: min('ready_ms') },
          { name: `${t('reports.cols.notReady')} (${t('reports.minutes')})`, data: min('not_ready_ms') },
          { name: `${t('reports.cols.onCall')} (${t('reports.minutes')})`, data: min('on_call_ms') },
          { name: `${t('reports.cols.wrapUp')} (${t('reports.minutes')})`, data: min('wrapup_ms') },
        ],
        pick: (i) => ({ report: 'operations', params: { ...keep(p, 'from', 'to'), agent: rows[i].agent } }),
      }
    },
  },
  {
    key: 'operations',
    api: 'agents/operations',
    paged: true,
    filters: ['queue', 'agent'],
    options: [{ param: 'include', values: ['calls'] }],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => String(r.id),
    columns: (t) => [
      { key: 'at', title: t('reports.cols.at'), fmt: 'time' },
      ...agentCols(t),
      { key: 'operation', title: t('reports.cols.operation') },
      { key: 'from_state', title: t('reports.cols.fromState'), get: (r) => (r.from_state ? t(`state.${r.from_state}`) : '') },
      { key: 'to_state', title: t('reports.cols.toState'), get: (r) => (r.to_state ? t(`state.${r.to_state}`) : '') },
      { key: 'reason', title: t('reports.cols.reason') },
      { key: 'queue', title: t('reports.cols.queue') },
      { key: 'call_id', title: t('reports.cols.call'), callLink: (r) => r.call_id },
      { key: 'by', title: t('reports.cols.by') },
      { key: 'forced', title: t('reports.cols.forced'), fmt: 'bool' },
    ],
    chart: (rows, t) => {
      const m = count(rows, (r) => r.operation)
      return { categories: [...m.keys()], series: [{ name: t('reports.cols.operations'), data: [...m.values()] }] }
    },
  },
  {
    key: 'queues',
    api: 'queues',
    filters: ['queue'],
    options: [{ param: 'sl_ms', values: ['10000', '20000', '30000', '60000'] }],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => r.queue,
    columns: (t) => [
      { key: 'name', title: t('reports.cols.queue'), get: (r) => r.name || r.queue },
      { key: 'offered', title: t('reports.cols.offered'), fmt: 'int', drill: (r, p) => toCalls(p, { queue: r.queue }) },
      { key: 'answered', title: t('reports.cols.answered'), fmt: 'int', drill: (r, p) => toCalls(p, { queue: r.queue }) },
      { key: 'abandoned', title: t('reports.cols.abandoned'), fmt: 'int', drill: (r, p) => ({ report: 'abandoned', params: { ...keep(p, 'from', 'to'), queue: r.queue } }) },
      { key: 'abandon_rate', title: t('reports.cols.abandonRate'), fmt: 'pct' },
      { key: 'overflowed', title: t('reports.cols.overflowed'), fmt: 'int' },
      { key: 'callbacks', title: t('reports.cols.callbacks'), fmt: 'int' },
      { key: 'avg_wait_ms', title: t('reports.cols.avgWait'), fmt: 'ms', drill: (r, p) => ({ report: 'waits', params: { ...keep(p, 'from', 'to'), queue: r.queue } }) },
      { key: 'max_wait_ms', title: t('reports.cols.maxWait'), fmt: 'ms' },
      { key: 'avg_answer_ms', title: t('reports.cols.avgAnswer'), fmt: 'ms' },
      { key: 'avg_talk_ms', title: t('reports.cols.avgTalk'), fmt: 'ms' },
      { key: 'service_level', title: t('reports.cols.serviceLevel'), fmt: 'pct' },
    ],
    chart: (rows, t, p) => ({
      categories: rows.map((r) => r.name || r.queue),
      percentAxis: true,
      series: [
        { name: t('reports.cols.offered'), data: rows.map((r) => r.offered ?? 0) },
        { name: t('reports.cols.answered'), data: rows.map((r) => r.answered ?? 0) },
        { name: t('reports.cols.abandoned'), data: rows.map((r) => r.abandoned ?? 0) },
        { name: `${t('reports.cols.serviceLevel')} %`, type: 'line', yAxis: 1, data: rows.map((r) => pct(r.service_level)) },
      ],
      pick: (i) => toCalls(p, { queue: rows[i].queue }),
    }),
  },
  {
    key: 'abandoned',
    api: 'abandoned',
    paged: true,
    filters: ['queue', 'number'],
    options: [{ param: 'include', values: ['ivr'] }],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => r.id,
    columns: (t) => [
      { key: 'started_at', title: t('reports.cols.started'), fmt: 'time', callLink: (r) => r.id },
      { key: 'caller', title: t('reports.cols.caller') },
      { key: 'dnis', title: t('reports.cols.called') },
      { key: 'queue', title: t('reports.cols.queue') },
      { key: 'disposition', title: t('reports.cols.disposition') },
      { key: 'ivr_ms', title: t('reports.cols.ivr'), fmt: 'ms' },
      { key: 'waited_ms', title: t('reports.cols.wait'), fmt: 'ms' },
      { key: 'dial_back', title: t('reports.dialBack'), action: true, render: (r) => <DialBack r={r} /> },
    ],
    chart: (rows, t) => {
      const m = count(rows, (r) => r.queue || t('reports.ivr'))
      return { categories: [...m.keys()], series: [{ name: t('reports.cols.abandoned'), data: [...m.values()] }] }
    },
  },
  {
    key: 'waits',
    api: 'waits',
    paged: true,
    filters: ['queue', 'agent', 'number'],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => r.id,
    columns: (t) => [
      { key: 'started_at', title: t('reports.cols.started'), fmt: 'time', callLink: (r) => r.id },
      { key: 'ani', title: t('reports.cols.caller') },
      { key: 'queue', title: t('reports.cols.queue') },
      ...agentCols(t),
      { key: 'disposition', title: t('reports.cols.disposition') },
      { key: 'ivr_ms', title: t('reports.cols.ivr'), fmt: 'ms' },
      { key: 'queue_ms', title: t('reports.cols.inQueue'), fmt: 'ms' },
      { key: 'ring_ms', title: t('reports.cols.ringing'), fmt: 'ms' },
      { key: 'wait_ms', title: t('reports.cols.wait'), fmt: 'ms' },
      { key: 'talk_ms', title: t('reports.cols.talk'), fmt: 'ms' },
    ],
    chart: (rows, t) => {
      const edges = [10, 20, 30, 60, 120]
      const labels = ['<10s', '10–20s', '20–30s', '30–60s', '1–2min', '>2min']
      const data = labels.map(() => 0)
      for (const r of rows) {
        const s = (r.wait_ms ?? 0) / 1000
        const i = edges.findIndex((e) => s < e)
        data[i < 0 ? edges.length : i]++
      }
      return { categories: labels, series: [{ name: t('reports.cols.calls'), data }] }
    },
  },
  {
    key: 'satisfaction',
    api: 'satisfaction',
    filters: ['queue', 'agent'],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => r.agent,
    columns: (t) => [
      ...agentCols(t),
      { key: 'handled', title: t('reports.cols.handled'), fmt: 'int', drill: (r, p) => toCalls(p, { agent: r.agent }) },
      { key: 'surveys', title: t('reports.cols.surveys'), fmt: 'int', drill: (r, p) => ({ report: 'surveys', params: { ...keep(p, 'from', 'to', 'queue'), agent: r.agent } }) },
      { key: 'participation', title: t('reports.cols.participation'), fmt: 'pct' },
      { key: 'scores', title: t('reports.cols.scores'), fmt: 'map' },
      { key: 'average', title: t('reports.cols.average'), fmt: 'avg' },
    ],
    chart: (rows, t, p) => ({
      categories: rows.map(agentName),
      series: [
        { name: t('reports.cols.surveys'), data: rows.map((r) => r.surveys ?? 0) },
        { name: t('reports.cols.average'), type: 'line', data: rows.map((r) => Math.round((r.average ?? 0) * 100) / 100) },
      ],
      pick: (i) => ({ report: 'surveys', params: { ...keep(p, 'from', 'to', 'queue'), agent: rows[i].agent } }),
    }),
  },
  {
    key: 'surveys',
    api: 'satisfaction/surveys',
    paged: true,
    filters: ['queue', 'agent'],
    rows: (d) => d.rows ?? [],
    rowKey: (r) => String(r.id),
    columns: (t) => [
      { key: 'surveyed_at', title: t('reports.cols.surveyed'), fmt: 'time', callLink: (r) => r.call_id },
      { key: 'call_started_at', title: t('reports.cols.started'), fmt: 'time' },
      { key: 'caller', title: t('reports.cols.caller') },
      { key: 'queue', title: t('reports.cols.queue') },
      ...agentCols(t),
      { key: 'score', title: t('reports.cols.score'), fmt: 'int' },
      { key: 'recordings', title: t('reports.cols.recordings'), get: (r) => (r.recordings ?? []).length },
    ],
    chart: (rows, t) => {
      const m = count(rows, (r) => String(r.score))
      const keys = [...m.keys()].sort()
      return { categories: keys, series: [{ name: t('reports.cols.surveys'), data: keys.map((k) => m.get(k) ?? 0) }] }
    },
  },
]

function hourRange(date: string, hour: number): Params {
  const d = date.slice(0, 10)
  const h = (n: number) => String(n).padStart(2, '0')
  return { from: `${d}T${h(hour)}:00`, to: hour === 23 ? addDays(d, 1) : `${d}T${h(hour + 1)}:00` }
}
