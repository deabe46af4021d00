import { Button, Space, Table, Tag } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap, type CallSummary } from '../lib/api'
import { fmtDateTime, fmtDuration } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { AudioButton } from './AudioButton'
import { dial } from './DialPad'
import { ScheduleCallback } from './ScheduleCallback'

function Recordings({ call }: { call: string }) {
  const { t } = useTranslation()
  const r = useQuery({
    queryKey: ['recordings', call],
    queryFn: () => unwrap(client.GET('/api/v1/recordings', { params: { query: { call } as never } })),
    staleTime: 60_000,
  })
  const usable = (r.data ?? []).filter((x) => x.status === 'done' && !x.deleted_at)
  if (!usable.length) return <span>–</span>
  return (
    <Space>
      {usable.map((x) => (
        <AudioButton key={x.id} path={`/api/v1/recordings/${x.id}/audio`} label={t('calls.play')} />
      ))}
    </Space>
  )
}

// RecentCalls: the agent's own recent calls with the recordings it may hear.
export default function RecentCalls() {
  const { t } = useTranslation()
  const tz = useTimezone()
  const list = useQuery({ queryKey: ['agent', 'calls'], queryFn: () => unwrap(client.GET('/api/v1/agent/calls')), refetchInterval: 60_000 })
  const [later, setLater] = useState<{ number: string; call: string } | null>(null)
  return (
    <>
    {later && <ScheduleCallback open number={later.number} callId={later.call} onClose={() => setLater(null)} />}
    <Table<CallSummary>
      size="small"
      rowKey="id"
      loading={list.isLoading}
      dataSource={list.data ?? []}
      pagination={{ pageSize: 10 }}
      locale={{ emptyText: t('calls.empty') }}
      columns={[
        { title: t('calls.at'), dataIndex: 'started_at', render: (v: string) => fmtDateTime(v, tz) },
        { title: t('calls.direction'), dataIndex: 'direction', render: (v: string) => t(`calls.directions.${v}`, { defaultValue: v }) },
        { title: t('calls.number'), key: 'n', render: (_, c) => (c.direction === 'inbound' ? c.ani : c.dnis) },
        { title: t('calls.disposition'), dataIndex: 'disposition', render: (v: string) => <Tag>{v}</Tag> },
        { title: t('calls.talk'), dataIndex: 'talk_ms', render: (v: number) => fmtDuration(v) },
        { title: t('calls.recordings'), key: 'rec', render: (_, c) => <Recordings call={c.id!} /> },
        {
          title: '',
          key: 'back',
          render: (_, c) => {
            const n = c.direction === 'inbound' ? c.ani : c.dnis
            return n ? (
              <Space>
                <Button size="small" onClick={() => void dial(n, c.id).catch(() => undefined)}>
                  {t('calls.callBack')}
                </Button>
                <Button size="small" onClick={() => setLater({ number: n, call: c.id! })}>
                  {t('callbacks.schedule.open')}
                </Button>
              </Space>
            ) : null
          },
        },
      ]}
    />
    </>
  )
}
