import { App as AntApp, Button, Segmented, Space, Table, Tag } from 'antd'
import { useState } from 'react'
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
  const list = useQuery({
    queryKey: ['callbacks', status],
    queryFn: () => unwrap(client.GET('/api/v1/callbacks', { params: { query: { status } as never } })),
    refetchInterval: 15_000,
  })
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f()
      await qc.invalidateQueries({ queryKey: ['callbacks'] })
    } catch (e) {
      message.error(live((t) => errorText(t, e)))
    }
  }
  const rows = (list.data ?? []).filter((c) => status === 'pending' || c.handled_by === me)
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Segmented
        value={status}
        onChange={(v) => setStatus(v as typeof status)}
        options={[
          { value: 'pending', label: t('callbacks.statuses.pending') },
          { value: 'in_progress', label: t('callbacks.mine') },
        ]}
      />
      <Table<Callback>
        size="small"
        rowKey="id"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('callbacks.empty') }}
        columns={[
          { title: t('callbacks.number'), dataIndex: 'number' },
          { title: t('callbacks.queue'), dataIndex: 'queue_id' },
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
