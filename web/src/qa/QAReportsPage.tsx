// QA reports: scores by agent, queue and period, failure rate per item,
// appeals and outcomes, QA throughput; charts (ECharts) and CSV downloads.
import { useState } from 'react'
import { Button, Card, Col, DatePicker, Radio, Row, Space, Statistic, Table } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { getSession } from '../lib/session'
import { Chart } from '../reports/Chart'
import { nameOf, useDirectory, type R } from './directory'
import type { Schemas } from '../lib/api'

type Report = R<Schemas['qa.Report']>
type Group = R<Schemas['qa.Group']>
type ItemRow = R<Schemas['qa.ItemRow']>
type Thr = R<Schemas['qa.Throughput']>

export function QAReportsPage() {
  const { t } = useTranslation()
  const dir = useDirectory()
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day').startOf('day'), dayjs().endOf('day')])
  const [period, setPeriod] = useState('day')
  const q = { since: range[0].startOf('day').toISOString(), until: range[1].add(1, 'day').startOf('day').toISOString(), period }
  const rep = useQuery({ queryKey: ['qa', 'report', q], queryFn: () => unwrap(client.GET('/api/v1/qa/reports', { params: { query: q } as never })) as Promise<Report> })
  const r = rep.data
  const overall = (r?.overall ?? {}) as Partial<Group>
  const appeals = r?.appeals as R<Schemas['qa.AppealStats']> | undefined
  const trend = (r?.trend ?? []) as Group[]
  const agents = (r?.agents ?? []) as Group[]
  const csv = async (section: string) => {
    const s = getSession()
    const res = await fetch(`/api/v1/qa/reports?format=csv&section=${section}&since=${encodeURIComponent(q.since)}&until=${encodeURIComponent(q.until)}&period=${period}`, { headers: s ? { Authorization: `Bearer ${s.token}` } : {} })
    const url = URL.createObjectURL(await res.blob())
    const a = document.createElement('a')
    a.href = url
    a.download = `qa-${section}.csv`
    a.click()
    URL.revokeObjectURL(url)
  }
  const users = dir.data?.users
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <DatePicker.RangePicker aria-label={t('qa.reports.range')} value={range} onChange={(v) => v && v[0] && v[1] && setRange([v[0], v[1]])} allowClear={false} />
        <Radio.Group value={period} onChange={(e) => setPeriod(e.target.value)} optionType="button" options={['day', 'week', 'month'].map((p) => ({ value: p, label: t(`qa.reports.${p}`) }))} />
        {['agents', 'queues', 'items', 'trend', 'throughput'].map((s) => <Button key={s} size="small" onClick={() => csv(s)}>CSV · {t(`qa.reports.${s}`)}</Button>)}
      </Space>
      <Row gutter={16}>
        <Col span={6}><Card size="small"><Statistic title={t('qa.reports.scored')} value={overall.count ?? 0} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('qa.reports.mean')} value={overall.mean ?? 0} precision={2} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('qa.reports.failed')} value={overall.failed ?? 0} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('qa.reports.appealsTitle')} value={appeals ? `${appeals.total} / ${appeals.upheld} / ${appeals.changed} / ${appeals.open}` : '–'} /><small>{t('qa.reports.appealsLegend')}</small></Card></Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card size="small" title={t('qa.reports.trend')}>
            <Chart label={t('qa.reports.trend')} categories={trend.map((g) => g.key)} series={[{ name: t('qa.reports.mean'), type: 'line', data: trend.map((g) => g.mean) }, { name: t('qa.reports.scored'), data: trend.map((g) => g.count) }]} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={t('qa.reports.agents')}>
            <Chart label={t('qa.reports.agents')} categories={agents.map((g) => nameOf(users, g.key))} series={[{ name: t('qa.reports.mean'), data: agents.map((g) => g.mean) }]} />
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('qa.reports.items')}>
        <Table rowKey={(x) => x.template_id + x.item_id} size="small" pagination={false} dataSource={(r?.items ?? []) as ItemRow[]}
          columns={[
            { title: t('qa.reports.item'), dataIndex: 'title' },
            { title: t('qa.reports.scored'), dataIndex: 'count' },
            { title: t('qa.reports.failed'), dataIndex: 'failed' },
            { title: t('qa.reports.failureRate'), render: (_, x) => `${Math.round(x.failure_rate * 100)}%` },
            { title: t('qa.reports.meanPoints'), dataIndex: 'mean_points' },
          ]} />
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card size="small" title={t('qa.reports.queues')}>
            <Table rowKey="key" size="small" pagination={false} dataSource={r?.queues ?? []} columns={[{ title: t('qa.work.queue'), dataIndex: 'key' }, { title: t('qa.reports.scored'), dataIndex: 'count' }, { title: t('qa.reports.mean'), dataIndex: 'mean' }, { title: t('qa.reports.failed'), dataIndex: 'failed' }]} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={t('qa.reports.throughput')}>
            <Table rowKey="scorer_id" size="small" pagination={false} dataSource={(r?.throughput ?? []) as Thr[]} columns={[{ title: t('qa.reports.scorer'), render: (_, x) => nameOf(users, x.scorer_id) }, { title: t('qa.reports.submitted'), dataIndex: 'submitted' }, { title: t('qa.reports.drafts'), dataIndex: 'drafts' }]} />
          </Card>
        </Col>
      </Row>
    </Space>
  )
}
