// A call's detail page: the record, its legs, the decision trace, the
// recordings with a player, the voicemail and the survey.
import { Alert, Card, Descriptions, Space, Switch, Table, Tag, Typography, Spin, Button, App as AntApp } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router-dom'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime, fmtDuration } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { AudioButton } from '../agent/AudioButton'
import { PickButton, useMayPick } from '../qa/PickDialog'

type Leg = Schemas['api.legView']
type Rec = Schemas['store.RecordingRow']

function fmtFull(iso: string | undefined, tz: string) {
  if (!iso || iso.startsWith('0001')) return '–'
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso))
}

export default function CallDetail() {
  const { t } = useTranslation()
  const tz = useTimezone()
  const nav = useNavigate()
  const { id = '' } = useParams()
  const { message } = AntApp.useApp()
  const mayPick = useMayPick()
  const q = useQuery({ queryKey: ['call', id], queryFn: () => unwrap(client.GET('/api/v1/calls/{id}', { params: { path: { id } } })) })
  if (q.isLoading) return <Spin />
  if (q.error) return <Alert type="error" showIcon message={(q.error as Error).message} />
  const c = q.data!
  const agent = c.agent_name ? `${c.agent_name}${c.agent_work_number ? ` (${c.agent_work_number})` : ''}` : c.agent_id
  return (
    <section aria-label={t('reports.call.title')}>
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Space>
          <Button onClick={() => nav(-1)}>{t('reports.call.back')}</Button>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('reports.call.title')} <Typography.Text code>{c.id}</Typography.Text>
          </Typography.Title>
          {mayPick && <PickButton callId={c.id} />}
        </Space>
        <Card>
          <Descriptions
            size="small"
            column={{ xs: 1, md: 2, xl: 3 }}
            items={[
              { key: 'dir', label: t('reports.cols.direction'), children: t(`calls.directions.${c.direction}`) },
              { key: 'ani', label: t('reports.cols.caller'), children: c.ani },
              { key: 'dnis', label: t('reports.cols.called'), children: c.dnis },
              { key: 'start', label: t('reports.cols.started'), children: fmtFull(c.started_at, tz) },
              { key: 'ans', label: t('reports.call.answered'), children: fmtFull(c.answered_at, tz) },
              { key: 'end', label: t('reports.call.ended'), children: fmtFull(c.ended_at, tz) },
              { key: 'disp', label: t('reports.cols.disposition'), children: <Tag>{c.disposition}</Tag> },
              { key: 'queue', label: t('reports.cols.queue'), children: c.queue_id || '–' },
              { key: 'agent', label: t('reports.cols.agent'), children: agent || '–' },
              { key: 'ivr', label: t('reports.cols.ivr'), children: fmtDuration(c.ivr_ms) },
              { key: 'wait', label: t('reports.cols.wait'), children: fmtDuration(c.wait_ms) },
              { key: 'ring', label: t('reports.cols.ringing'), children: fmtDuration(c.ring_ms) },
              { key: 'talk', label: t('reports.cols.talk'), children: fmtDuration(c.talk_ms) },
              { key: 'hold', label: t('reports.call.hold'), children: fmtDuration(c.hold_ms) },
              { key: 'wrap', label: t('reports.cols.wrapUp'), children: fmtDuration(c.wrapup_ms) },
              { key: 'xfer', label: t('reports.call.transfers'), children: c.transfers ?? 0 },
              { key: 'hang', label: t('reports.call.hangup'), children: [c.hangup_by, c.hangup_cause].filter(Boolean).join(' · ') || '–' },
              { key: 'path', label: t('reports.call.ivrPath'), children: (c.ivr_path ?? []).join(' → ') || '–' },
              { key: 'parent', label: t('reports.call.parent'), children: c.parent_id ? <Link to={`/reports/call/${c.parent_id}`}>{c.parent_id}</Link> : '–' },
            ]}
          />
        </Card>
        <Card title={t('reports.call.legs')}>
          <Table<Leg>
            size="small"
            rowKey={(l) => l.leg_id ?? ''}
            dataSource={c.legs ?? []}
            pagination={false}
            columns={[
              { title: t('reports.call.role'), dataIndex: 'role' },
              { title: t('reports.call.endpoint'), dataIndex: 'endpoint' },
              { title: t('reports.cols.agent'), dataIndex: 'agent_name', render: (v: string, l) => v || l.agent_id || '–' },
              { title: t('reports.cols.started'), dataIndex: 'started_at', render: (v: string) => fmtFull(v, tz) },
              { title: t('reports.call.answered'), dataIndex: 'answered_at', render: (v: string) => fmtFull(v, tz) },
              { title: t('reports.call.ended'), dataIndex: 'ended_at', render: (v: string) => fmtFull(v, tz) },
              { title: t('reports.call.hangup'), dataIndex: 'hangup_cause' },
            ]}
          />
        </Card>
        <Card title={t('reports.call.recordings')}>
          <Table<Rec>
            size="small"
            rowKey={(r) => r.id ?? ''}
            dataSource={c.recordings ?? []}
            pagination={false}
            locale={{ emptyText: t('reports.call.noRecordings') }}
            columns={[
              { title: t('reports.cols.started'), dataIndex: 'started_at', render: (v: string) => fmtFull(v, tz) },
              { title: t('reports.cols.duration'), dataIndex: 'duration_ms', render: (v: number) => fmtDuration(v) },
              { title: t('reports.call.status'), dataIndex: 'status', render: (s: string, r) => (r.deleted_at ? <Tag>{t('reports.call.deleted')}</Tag> : <Tag color={s === 'done' ? 'green' : s === 'failed' ? 'red' : 'blue'}>{s}</Tag>) },
              {
                title: t('reports.call.legalHold'),
                dataIndex: 'legal_hold',
                render: (v: boolean, r) => (
                  <Switch
                    size="small"
                    aria-label={`${t('reports.call.legalHold')} ${r.id}`}
                    checked={!!v}
                    disabled={!!r.deleted_at}
                    onChange={async (hold) => {
                      try {
                        await unwrap(client.PUT('/api/v1/recordings/{id}/legal-hold', { params: { path: { id: r.id! } }, body: { hold } }))
                        message.success(hold ? t('reports.call.held') : t('reports.call.released'))
                        q.refetch()
                      } catch (e) {
                        message.error((e as Error).message)
                      }
                    }}
                  />
                ),
              },
              { title: t('reports.call.play'), key: 'play', render: (_: unknown, r) => (r.status === 'done' && !r.deleted_at ? <AudioButton path={`/api/v1/recordings/${r.id}/audio`} label={t('reports.call.play')} /> : r.error || '–') },
            ]}
          />
          {c.voicemail && (
            <Space style={{ marginTop: 12 }}>
              <Typography.Text>{t('reports.call.voicemail', { mailbox: c.voicemail.mailbox })}</Typography.Text>
              <AudioButton path={`/api/v1/voicemail/${c.voicemail.id}/audio`} label={t('reports.call.play')} />
            </Space>
          )}
        </Card>
        <Card title={t('reports.call.survey')}>
          {(c.surveys ?? []).length === 0 ? (
            <Typography.Text type="secondary">{t('reports.call.noSurvey')}</Typography.Text>
          ) : (
            <Space wrap>
              {(c.surveys ?? []).map((s) => (
                <Tag key={s.id} color="gold">
                  {t('reports.cols.score')}: {s.score} · {fmtDateTime(s.created_at, tz)}
                </Tag>
              ))}
            </Space>
          )}
        </Card>
        <Card title={t('reports.call.trace')}>
          <Trace trace={c.trace} tz={tz} />
        </Card>
      </Space>
    </section>
  )
}

type Step = { Time?: string; Kind?: string; Detail?: string }

// Trace shows the decision trace as a timeline (time in the tenant's zone
// with milliseconds, kind, detail); anything else as JSON.
function Trace({ trace, tz }: { trace: unknown; tz: string }) {
  const { t } = useTranslation()
  if (Array.isArray(trace) && trace.every((x) => x && typeof x === 'object' && 'Kind' in x)) {
    const steps = trace as Step[]
    return (
      <Table<Step>
        size="small"
        data-testid="call-trace"
        rowKey={(_, i) => String(i)}
        dataSource={steps}
        pagination={steps.length > 100 ? { pageSize: 100 } : false}
        columns={[
          {
            title: t('reports.cols.at'),
            dataIndex: 'Time',
            width: 130,
            render: (v: string) =>
              v ? new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hour12: false }).format(new Date(v)) : '–',
          },
          { title: t('reports.call.kind'), dataIndex: 'Kind', width: 110, render: (k: string) => <Tag>{k}</Tag> },
          { title: t('reports.call.detail'), dataIndex: 'Detail', render: (d: string) => <Typography.Text style={{ fontFamily: 'monospace', fontSize: 12 }}>{d}</Typography.Text> },
        ]}
      />
    )
  }
  return (
    <pre data-testid="call-trace" style={{ maxHeight: 420, overflow: 'auto', fontSize: 12, margin: 0 }}>
      {JSON.stringify(trace ?? null, null, 2)}
    </pre>
  )
}
