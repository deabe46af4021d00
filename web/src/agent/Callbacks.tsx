import { App as AntApp, Button, Segmented, Space, Table, Tag } from 'antd'
import { useState } from 'react'
import { ScheduleCallback } from './ScheduleCallback'
import { callbackState, sortCallbacks } from './callbacks'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { useSession } from '../lib/session'
import { errorText, live } from '../lib/live'

type Callback = Schemas['store.CallbackWork']

// Callbacks: the call-back list of the agent's queues — take (and call),
// close as done, or put back.
export default function Callbacks() {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const tz = useTimezone()
  const me = useSession()?.user.id
  const qc = useQueryClient()
  const [status, setStatus] = useState<'pending' | 'in_progress'>('pending')
  const [owner, setOwner] = useState<'' | 'me' | 'queue'>('')
  const [scheduling, setScheduling] = useState(false)
  const list = useQuery({
    queryKey: ['callbacks', status, owner],
    queryFn: () => unwrap(client.GET('/api/v1/callbacks', { params: { query: { status, ...(owner ? { owner } : {}) } as never } })),
    refetchInterval: 15_000,
  })
  const now = Date.now()
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f()
      await qc.invalidateQueries({ queryKey: ['callbacks'] })
    } catch (e) {
      message.error(live((t) => errorText(t, e)))
    }
  }
  const rows = sortCallbacks((list.data ?? []).filter((c) => status === 'pending' || c.handled_by === me), now)
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Segmented
          value={status}
          onChange={(v) => setStatus(v as typeof status)}
          options={[
            { value: 'pending', label: t('callbacks.statuses.pending') },
            { value: 'in_progress', label: t('callbacks.mine') },
          ]}
        />
        <Segmented
          value={owner}
          onChange={(v) => setOwner(v as typeof owner)}
          options={[
            { value: '', label: t('callbacks.owners.all') },
            { value: 'me', label: t('callbacks.owners.me') },
            { value: 'queue', label: t('callbacks.owners.queue') },
          ]}
        />
        <Button onClick={() => setScheduling(true)}>{t('callbacks.schedule.open')}</Button>
      </Space>
      <ScheduleCallback open={scheduling} onClose={() => setScheduling(false)} />
      <Table<Callback>
        size="small"
        rowKey="id"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('callbacks.empty') }}
        rowClassName={(c) => (callbackState(c, now) === 'overdue' ? 'callback-overdue' : '')}
        onRow={(c) => (callbackState(c, now) === 'overdue' ? { style: { background: '#fff1f0' } } : {})}
        columns={[
          { title: t('callbacks.number'), dataIndex: 'number' },
          { title: t('callbacks.queue'), dataIndex: 'queue_id' },
          {
            title: t('callbacks.due'),
            key: 'due',
            render: (_, c) => {
              const st = callbackState(c, now)
              if (st === 'request') return '–'
              const color = st === 'overdue' ? 'red' : st === 'due' ? 'orange' : 'blue'
              return (
                <Space size={4}>
                  <span>{fmtDateTime(c.due_at, tz)}</span>
                  <Tag color={color}>{t(`callbacks.states.${st}`)}</Tag>
                  {c.owner_agent ? <Tag>{c.owner_agent === me ? t('callbacks.owners.me') : t('callbacks.owners.agent')}</Tag> : null}
                </Space>
              )
            },
          },
          { title: t('callbacks.asked'), dataIndex: 'requested_at', render: (v: string) => fmtDateTime(v, tz) },
          { title: t('callbacks.status'), dataIndex: 'status', render: (v: string) => <Tag>{t(`callbacks.statuses.${v}`, { defaultValue: v })}</Tag> },
          {
            title: '',
            key: 'actions',
            render: (_, c) =>
              c.status === 'pending' ? (
                <Button size="small" type="primary" onClick={() => void act(() => unwrap(client.POST('/api/v1/callbacks/{id}/dial', { params: { path: { id: c.id! } } })))}>
                  {t('callbacks.take')}
                </Button>
              ) : (
                <Space>
                  <Button size="small" onClick={() => void act(() => unwrap(client.PUT('/api/v1/callbacks/{id}', { params: { path: { id: c.id! } }, body: { status: 'done' } })))}>
                    {t('callbacks.done')}
                  </Button>
                  <Button size="small" onClick={() => void act(() => unwrap(client.PUT('/api/v1/callbacks/{id}', { params: { path: { id: c.id! } }, body: { status: 'pending' } })))}>
                    {t('callbacks.putBack')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
    </Space>
  )
}
