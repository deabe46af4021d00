import { Table, Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime, fmtDuration } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { AudioButton } from './AudioButton'

type Message = Schemas['store.VoicemailMessage']

// Voicemail: messages of the agent's own and its queues' mailboxes.
export default function Voicemail() {
  const { t } = useTranslation()
  const tz = useTimezone()
  const qc = useQueryClient()
  const list = useQuery({ queryKey: ['voicemail'], queryFn: () => unwrap(client.GET('/api/v1/voicemail')), refetchInterval: 30_000 })
  return (
    <Table<Message>
      size="small"
      rowKey="id"
      loading={list.isLoading}
      dataSource={list.data ?? []}
      pagination={{ pageSize: 10 }}
      locale={{ emptyText: t('voicemail.empty') }}
      columns={[
        { title: t('voicemail.mailbox'), dataIndex: 'mailbox' },
        { title: t('voicemail.from'), dataIndex: 'caller' },
        { title: t('voicemail.at'), dataIndex: 'created_at', render: (v: string) => fmtDateTime(v, tz) },
        { title: t('voicemail.length'), dataIndex: 'duration_ms', render: (v: number) => fmtDuration(v) },
        { title: '', dataIndex: 'heard', render: (h: boolean) => (h ? <Tag>{t('voicemail.heard')}</Tag> : <Tag color="red">{t('voicemail.new')}</Tag>) },
        {
          title: '',
          key: 'play',
          render: (_, m) => (
            <AudioButton
              path={`/api/v1/voicemail/${m.id}/audio`}
              label={t('voicemail.play')}
              onPlayed={() => {
                if (!m.heard) void client.PATCH('/api/v1/voicemail/{id}', { params: { path: { id: String(m.id) } }, body: { heard: true } }).then(() => qc.invalidateQueries({ queryKey: ['voicemail'] }))
              }}
            />
          ),
        },
      ]}
    />
  )
}
