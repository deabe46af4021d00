import { memo, useMemo } from 'react'
import { App as AntApp, Button, Dropdown, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type AgentSnapshot } from '../lib/api'
import { fmtDuration, since } from '../lib/format'
import { useNow } from '../lib/hooks'
import { StateTag, notReadyReasons } from '../agent/StateBar'
import { snapshotKey } from './useSnapshot'

type Props = {
  agents: AgentSnapshot[]
  selected?: string
  onSelect: (a: AgentSnapshot) => void
}

function Ticking({ from }: { from?: string }) {
  const now = useNow()
  return <span style={{ fontVariantNumeric: 'tabular-nums' }}>{fmtDuration(since(from, now))}</span>
}

// AgentGrid: every agent with state, time in it, current call and forcing.
export const AgentGrid = memo(function AgentGrid({ agents, selected, onSelect }: Props) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const force = async (a: AgentSnapshot, action: string, reason?: string) => {
    try {
      await unwrap(client.POST('/api/v1/supervisor/agents/{id}/force', { params: { path: { id: a.agent_id! } }, body: { action, reason } }))
      message.success(t('supervisor.forced'))
      void qc.invalidateQueries({ queryKey: snapshotKey })
    } catch (e) {
      message.error(t('supervisor.forceFailed', { message: (e as Error).message }))
    }
  }
  const columns = useMemo(
    () => [
      { title: t('supervisor.name'), dataIndex: 'name', width: 170, render: (v: string, a: AgentSnapshot) => v || a.agent_id },
      { title: t('supervisor.workNumber'), dataIndex: 'work_number', width: 80 },
      { title: t('supervisor.state'), dataIndex: 'state', width: 170, render: (v: string, a: AgentSnapshot) => <StateTag state={v} reason={a.reason} /> },
      { title: t('supervisor.time'), dataIndex: 'since', width: 90, render: (v: string, a: AgentSnapshot) => (a.state === 'logged-out' ? '–' : <Ticking from={v} />) },
      {
        title: t('supervisor.call'),
        dataIndex: 'call_id',
        width: 110,
        render: (v: string) => (v ? <Typography.Text code>{v.slice(0, 8)}</Typography.Text> : ''),
      },
      { title: t('supervisor.queue'), dataIndex: 'queue_id', width: 90 },
      { title: t('supervisor.phone'), dataIndex: 'device', width: 80 },
      {
        title: t('supervisor.actions'),
        key: 'actions',
        width: 110,
        render: (_: unknown, a: AgentSnapshot) =>
          a.state === 'logged-out' ? null : (
            <Dropdown
              trigger={['click']}
              menu={{
                items: [
                  { key: 'ready', label: t('supervisor.forceReady') },
                  { key: 'not-ready', label: t('supervisor.forceNotReady'), children: notReadyReasons.map((r) => ({ key: `not-ready:${r}`, label: t(`reason.${r}`) })) },
                  { key: 'logout', label: t('supervisor.forceLogout'), danger: true },
                ],
                onClick: ({ key }) => {
                  const [action, reason] = key.split(':')
                  void force(a, action, reason)
                },
              }}
            >
              <Button size="small" onClick={(e) => e.stopPropagation()} aria-label={`${t('supervisor.actions')} ${a.name ?? ''}`}>
                {t('supervisor.actions')} ▾
              </Button>
            </Dropdown>
          ),
      },
    ],
    [t], // eslint-disable-line react-hooks/exhaustive-deps
  )
  return (
    <section aria-label={t('supervisor.agents')}>
    <Table<AgentSnapshot>
      size="small"
      rowKey="agent_id"
      virtual
      scroll={{ y: 420, x: 900 }}
      pagination={false}
      dataSource={agents}
      columns={columns}
      rowClassName={(a) => (a.agent_id === selected ? 'ant-table-row-selected' : '')}
      onRow={(a) => ({ onClick: () => onSelect(a), style: { cursor: 'pointer' } })}
    />
    </section>
  )
})
