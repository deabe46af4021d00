import { memo, useCallback, useRef, useState } from 'react'
import { App as AntApp, Button, Dropdown, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type AgentSnapshot } from '../lib/api'
import { fmtDuration, since } from '../lib/format'
import { useNow } from '../lib/hooks'
import { StateTag, notReadyReasons } from '../agent/StateBar'
import { snapshotKey } from './useSnapshot'
import { errorText, live } from '../lib/live'

type Props = {
  agents: AgentSnapshot[]
  selected?: string
  onSelect: (a: AgentSnapshot) => void
}

const ROW = 40 // px, every row
const HEIGHT = 440 // px, the visible body
const widths = [170, 70, 110, 180, 80, 100, 90, 70, 110]

function Ticking({ from }: { from?: string }) {
  const now = useNow()
  return <span style={{ fontVariantNumeric: 'tabular-nums' }}>{fmtDuration(since(from, now))}</span>
}

function Cols() {
  return (
    <colgroup>
      {widths.map((w, i) => (
        <col key={i} style={{ width: w }} />
      ))}
    </colgroup>
  )
}

type RowProps = { a: AgentSnapshot; selected: boolean; onSelect: (a: AgentSnapshot) => void; onForce: (a: AgentSnapshot, action: string, reason?: string) => void }

// Row re-renders only when its agent changed: state events keep the other
// agents' objects as they were.
const Row = memo(function Row({ a, selected, onSelect, onForce }: RowProps) {
  const { t } = useTranslation()
  return (
    <tr aria-selected={selected} className={selected ? 'selected' : undefined} onClick={() => onSelect(a)}>
      <td>{a.name || a.agent_id}</td>
      <td>{a.work_number}</td>
      <td>{a.group}</td>
      <td>
        <StateTag state={a.state} reason={a.reason} />
      </td>
      <td>{a.state === 'logged-out' ? '–' : <Ticking from={a.since} />}</td>
      <td>{a.call_id ? <Typography.Text code>{a.call_id.slice(0, 8)}</Typography.Text> : ''}</td>
      <td>{a.queue_id}</td>
      <td>{a.device}</td>
      <td>
        {a.state === 'logged-out' ? null : (
          <Dropdown
            trigger={['click']}
            menu={{
              items: [
                { key: 'ready', label: t('supervisor.forceReady') },
                { key: 'not-ready', label: t('supervisor.forceNotReady'), children: notReadyReasons.map((r) => ({ key: `not-ready:${r}`, label: t(`reason.${r}`) })) },
                { key: 'logout', label: t('supervisor.forceLogout'), danger: true },
              ],
              onClick: ({ key, domEvent }) => {
                domEvent.stopPropagation()
                const [action, reason] = key.split(':')
                onForce(a, action, reason)
              },
            }}
          >
            <Button size="small" onClick={(e) => e.stopPropagation()} aria-label={`${t('supervisor.actions')} ${a.name ?? ''}`}>
              {t('supervisor.actions')} ▾
            </Button>
          </Dropdown>
        )}
      </td>
    </tr>
  )
})

// AgentGrid: every agent with state, time in it, current call and forcing.
// A plain table that renders only the rows in view (hundreds of agents,
// tens of events a second).
export const AgentGrid = memo(function AgentGrid({ agents, selected, onSelect }: Props) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [top, setTop] = useState(0)
  const selectRef = useRef(onSelect)
  selectRef.current = onSelect
  const select = useCallback((a: AgentSnapshot) => selectRef.current(a), [])
  const force = useCallback(
    async (a: AgentSnapshot, action: string, reason?: string) => {
      try {
        await unwrap(client.POST('/api/v1/supervisor/agents/{id}/force', { params: { path: { id: a.agent_id! } }, body: { action, reason } }))
        message.success(live((t) => t('supervisor.forced')))
        void qc.invalidateQueries({ queryKey: snapshotKey })
      } catch (e) {
        message.error(live((t) => t('supervisor.forceFailed', { message: errorText(t, e) })))
      }
    },
    [message, qc, t],
  )
  const start = Math.max(0, Math.floor(top / ROW) - 5)
  const end = Math.min(agents.length, start + Math.ceil(HEIGHT / ROW) + 10)
  const heads = ['name', 'workNumber', 'group', 'state', 'time', 'call', 'queue', 'phone', 'actions']
  return (
    <section aria-label={t('supervisor.agents')} className="ipcc-grid">
      <table role="presentation">
        <Cols />
        <thead>
          <tr>
            {heads.map((h) => (
              <th key={h} scope="col">
                {t(`supervisor.${h}`)}
              </th>
            ))}
          </tr>
        </thead>
      </table>
      <div style={{ height: Math.min(HEIGHT, Math.max(ROW, agents.length * ROW)), overflowY: 'auto' }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
        <div style={{ height: agents.length * ROW, position: 'relative' }}>
          <table style={{ position: 'absolute', top: start * ROW, left: 0, right: 0 }} aria-rowcount={agents.length}>
            <Cols />
            <tbody>
              {agents.slice(start, end).map((a) => (
                <Row key={a.agent_id} a={a} selected={a.agent_id === selected} onSelect={select} onForce={force} />
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  )
})
