import { memo } from 'react'
import { Table } from 'antd'
import { useTranslation } from 'react-i18next'
import type { QueueSnapshot } from '../lib/api'
import { fmtDuration, fmtPercent } from '../lib/format'

export function queueFigures(q: QueueSnapshot) {
  const a = q.agents ?? {}
  const handled = (q.answered_today ?? 0) + (q.abandoned_today ?? 0)
  return {
    free: a['available'] ?? 0,
    busy: (a['on-call'] ?? 0) + (a['ringing'] ?? 0) + (a['wrap-up'] ?? 0),
    away: a['not-ready'] ?? 0,
    abandonRate: handled ? (q.abandoned_today ?? 0) / handled : undefined,
  }
}

// QueueGrid: waiting callers, longest wait, agents by state, today's
// service level and abandon rate per queue.
export const QueueGrid = memo(function QueueGrid({ queues }: { queues: QueueSnapshot[] }) {
  const { t } = useTranslation()
  return (
    <section aria-label={t('supervisor.queues')}>
    <Table<QueueSnapshot>
      size="small"
      rowKey="id"
      pagination={false}
      dataSource={queues}
      columns={[
        { title: t('supervisor.queue'), dataIndex: 'name', render: (v: string, q) => v || q.id },
        { title: t('supervisor.waiting'), key: 'w', render: (_, q) => q.waiting?.length ?? 0 },
        { title: t('supervisor.longest'), dataIndex: 'longest_wait_ms', render: (v: number) => fmtDuration(v) },
        { title: t('supervisor.free'), key: 'f', render: (_, q) => queueFigures(q).free },
        { title: t('supervisor.busy'), key: 'b', render: (_, q) => queueFigures(q).busy },
        { title: t('supervisor.away'), key: 'a', render: (_, q) => queueFigures(q).away },
        { title: t('supervisor.entered'), dataIndex: 'entered_today' },
        { title: t('supervisor.answered'), dataIndex: 'answered_today' },
        { title: t('supervisor.sl'), dataIndex: 'service_level', render: (v: number, q) => ((q.answered_today ?? 0) + (q.abandoned_today ?? 0) ? fmtPercent(v) : '–') },
        { title: t('supervisor.abandonRate'), key: 'ab', render: (_, q) => fmtPercent(queueFigures(q).abandonRate) },
      ]}
    />
    </section>
  )
})
