import { useEffect, useState } from 'react'
import { Col, Row, Space } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap, ApiError, type Schemas } from '../lib/api'
import { fmtDuration, fmtPercent, fmtTime } from '../lib/format'
import { getSession } from '../lib/session'
import { HourlyChart } from './HourlyChart'
import { errorText } from '../lib/live'

type Board = Schemas['api.wallboard']
type WQueue = Schemas['api.wallboardQueue']

const KEY = 'ipcc.wallboard.key'

// The TV opens /wallboard#key=<wallboard API key>: the key is kept in this
// browser and taken out of the address bar.
function wallboardKey(): string | null {
  const m = /key=([^&]+)/.exec(location.hash)
  if (m) {
    localStorage.setItem(KEY, decodeURIComponent(m[1]))
    history.replaceState(null, '', location.pathname + location.search)
  }
  return localStorage.getItem(KEY)
}

function totals(qs: WQueue[]) {
  const sum = (f: (q: WQueue) => number) => qs.reduce((n, q) => n + f(q), 0)
  const answered = sum((q) => q.answered_today ?? 0)
  const abandoned = sum((q) => q.abandoned_today ?? 0)
  const handled = answered + abandoned
  // Service level and ASA across queues, weighted by what each handled.
  const sl = handled ? sum((q) => (q.service_level ?? 0) * ((q.answered_today ?? 0) + (q.abandoned_today ?? 0))) / handled : undefined
  const asa = answered ? sum((q) => (q.avg_speed_of_answer_ms ?? 0) * (q.answered_today ?? 0)) / answered : undefined
  return {
    calls: sum((q) => q.entered_today ?? 0),
    answered,
    abandoned,
    sl,
    asa,
    longest: Math.max(0, ...qs.map((q) => q.longest_wait_ms ?? 0)),
    waiting: sum((q) => q.waiting ?? 0),
  }
}

function Kpi({ label, value, tone }: { label: string; value: string | number; tone?: 'good' | 'bad' }) {
  return (
    <div className="kpi" role="group" aria-label={label}>
      <div className="kpi-label">{label}</div>
      <div className={`kpi-value ${tone ?? ''}`}>{value}</div>
    </div>
  )
}

// Wallboard (大屏): read-only, large type, rotating between all queues and
// each queue; opened with a wallboard key or a supervisor's session.
export default function Wallboard() {
  const { t } = useTranslation()
  const [key] = useState(wallboardKey)
  const [page, setPage] = useState(0)
  const usable = !!getSession() || !!key
  const board = useQuery({
    queryKey: ['wallboard', key],
    queryFn: () => unwrap(client.GET('/api/v1/wallboard', { headers: key && !getSession() ? { 'X-API-Key': key } : {} })) as Promise<Board>,
    refetchInterval: 5_000,
    enabled: usable,
    retry: false,
  })
  const qs = board.data?.queues ?? []
  const pages = 1 + qs.length
  useEffect(() => {
    const timer = setInterval(() => setPage((p) => (p + 1) % Math.max(1, pages)), 10_000)
    return () => clearInterval(timer)
  }, [pages])
  if (!usable) return <div className="ipcc-wallboard"><h1>{t('wallboard.needKey')}</h1></div>
  if (board.error) {
    const refused = board.error instanceof ApiError && (board.error.status === 401 || board.error.status === 403)
    return <div className="ipcc-wallboard"><h1>{refused ? t('wallboard.keyRefused') : errorText(t, board.error)}</h1></div>
  }
  const shown = page === 0 || page > qs.length ? qs : [qs[page - 1]]
  const title = page === 0 || page > qs.length ? t('wallboard.allQueues') : qs[page - 1].name || qs[page - 1].id
  const k = totals(shown)
  const agents = board.data?.agents ?? {}
  const tz = board.data?.timezone
  return (
    <main className="ipcc-wallboard" aria-label={t('wallboard.title')}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <h1>
          {board.data?.name} · {title}
        </h1>
        <span style={{ fontSize: 24, color: '#aab4c8' }}>{board.data ? t('wallboard.updated', { time: fmtTime(board.data.at, tz) }) : ''}</span>
      </Space>
      <Row gutter={[16, 16]}>
        <Col span={6}><Kpi label={t('wallboard.callsToday')} value={k.calls} /></Col>
        <Col span={6}><Kpi label={t('wallboard.answered')} value={k.answered} /></Col>
        <Col span={6}><Kpi label={t('wallboard.abandoned')} value={k.abandoned} tone={k.abandoned ? 'bad' : undefined} /></Col>
        <Col span={6}><Kpi label={t('wallboard.sl')} value={fmtPercent(k.sl)} tone={k.sl == null ? undefined : k.sl >= 0.8 ? 'good' : 'bad'} /></Col>
        <Col span={6}><Kpi label={t('wallboard.asa')} value={k.asa == null ? '–' : fmtDuration(k.asa)} /></Col>
        <Col span={6}><Kpi label={t('wallboard.longest')} value={fmtDuration(k.longest)} tone={k.longest > 60_000 ? 'bad' : undefined} /></Col>
        <Col span={6}><Kpi label={t('wallboard.waiting')} value={k.waiting} tone={k.waiting ? 'bad' : undefined} /></Col>
        <Col span={6}>
          <div className="kpi" role="group" aria-label={t('wallboard.agents')}>
            <div className="kpi-label">{t('wallboard.agents')}</div>
            <div style={{ fontSize: 30, lineHeight: 1.5 }}>
              {['available', 'on-call', 'ringing', 'wrap-up', 'not-ready'].map((s) => (
                <div key={s}>
                  {t(`state.${s}`)}: <strong>{agents[s] ?? 0}</strong>
                </div>
              ))}
            </div>
          </div>
        </Col>
      </Row>
      <div className="kpi" style={{ marginTop: 16 }}>
        <div className="kpi-label">{t('wallboard.perHour')}</div>
        <HourlyChart slots={board.data?.hourly ?? []} labels={{ offered: t('wallboard.offered'), answered: t('wallboard.answered') }} />
      </div>
    </main>
  )
}
