import { useMemo, useState } from 'react'
import { App as AntApp, Badge, Button, Card, Col, Input, List, Row, Select, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import type { AgentSnapshot } from '../lib/api'
import { fmtDuration, fmtPercent } from '../lib/format'
import { useNow } from '../lib/hooks'
import type { WsEvent } from '../lib/ws'
import { AgentGrid } from './AgentGrid'
import { QueueGrid } from './QueueGrid'
import { CallMonitor, startMonitor, type Mode, type Monitoring } from './CallMonitor'
import { holdAlerts, queueAlerts, seedHolds, type Alert } from './alerts'
import { useSnapshot } from './useSnapshot'
import { agentGroups, filterAgents } from './filter'
import { errorText, live } from '../lib/live'

const states = ['available', 'not-ready', 'ringing', 'on-call', 'wrap-up', 'logged-out']

// SupervisorConsole (班长席): live agents and queues, the selected call's
// monitoring, forcing agents, help requests and alerts.
export default function SupervisorConsole() {
  const { t } = useTranslation()
  const { notification, message } = AntApp.useApp()
  const now = useNow(5_000)
  const [queue, setQueue] = useState<string>()
  const [group, setGroup] = useState<string>()
  const [state, setState] = useState<string>()
  const [search, setSearch] = useState('')
  const [selected, setSelected] = useState<string>()
  const [monitoring, setMonitoring] = useState<Monitoring>(null)
  const [eventAlerts, setEventAlerts] = useState<Alert[]>([])
  const snapRef = useState<{ agents: AgentSnapshot[] }>({ agents: [] })[0]
  const holds = useState(() => new Map<string, { since: number; name: string }>())[0]
  const heldSeen = useState(() => new Map<string, string>())[0]
  // Accepting a help request selects the agent and joins the supervisor's
  // phone to their call in the chosen mode.
  const accept = async (key: string, agentID: string | undefined, m: Mode) => {
    notification.destroy(key)
    if (!agentID) return
    setSelected(agentID)
    const call = snapRef.agents.find((a) => a.agent_id === agentID)?.call_id
    if (!call) {
      message.error(live((t) => t('supervisor.monitorFailed', { message: t('call.noCall') })))
      return
    }
    try {
      await startMonitor(call, m)
      setMonitoring({ call, mode: m })
    } catch (e) {
      message.error(live((t) => t('supervisor.monitorFailed', { message: errorText(t, e) })))
    }
  }
  const onEvent = (ev: WsEvent) => {
    const name = (id?: string) => snapRef.agents.find((a) => a.agent_id === id)?.name ?? id ?? ''
    if (ev.type === 'help_requested') {
      const key = `help:${ev.agent}:${ev.at}`
      notification.open({
        key,
        message: live((t) => t('supervisor.help')),
        description: live((t) => t('supervisor.helpFrom', { agent: name(ev.agent) })),
        duration: 0,
        btn: (
          <Space>
            {(['whisper', 'barge'] as Mode[]).map((m) => (
              <Button key={m} type={m === 'whisper' ? 'primary' : 'default'} size="small" onClick={() => void accept(key, ev.agent, m)}>
                {live((t) => t(m === 'whisper' ? 'supervisor.acceptWhisper' : 'supervisor.acceptBarge'))}
              </Button>
            ))}
            <Button size="small" onClick={() => notification.destroy(key)}>
              {live((t) => t('supervisor.dismiss'))}
            </Button>
          </Space>
        ),
      })
    }
    if (ev.type === 'held' && ev.agent) holds.set(ev.agent, { since: Date.now(), name: name(ev.agent) })
    if ((ev.type === 'unheld' || (ev.type === 'state' && ev.state !== 'on-call')) && ev.agent) holds.delete(ev.agent)
    if (ev.type === 'quota_exceeded') {
      // A tenant limit refused a call, a sign-in, a flow or a recording.
      setEventAlerts((xs) => [{ key: `quota:${ev.reason}:${ev.at}`, kind: 'quota' as const, limit: ev.reason, message: ev.vars?.message, at: Date.now() }, ...xs].slice(0, 20))
    }
    if (ev.type === 'no_answer') {
      setEventAlerts((xs) => [{ key: `na:${ev.agent}:${ev.at}`, kind: 'noAnswer' as const, agent: name(ev.agent), at: Date.now() }, ...xs].slice(0, 20))
    }
  }
  const snap = useSnapshot(onEvent)
  const data = snap.data
  snapRef.agents = data?.agents ?? []
  seedHolds(holds, heldSeen, snapRef.agents)
  const queues = useMemo(() => data?.queues ?? [], [data?.queues])
  const agents = useMemo(() => filterAgents(data?.agents ?? [], { queue, group, state, search }), [data?.agents, queue, group, state, search])
  // The group filter's options change only when the set of groups does
  // (not with every refetched snapshot): the Select is not drawn again.
  const groupKey = useMemo(() => agentGroups(data?.agents ?? []).join('\u0000'), [data?.agents])
  const groupOptions = useMemo(() => (groupKey ? groupKey.split('\u0000') : []).map((g) => ({ value: g, label: g })), [groupKey])
  const alerts = useMemo(() => [...queueAlerts(queues, now), ...holdAlerts(holds, now), ...eventAlerts.filter((a) => now - a.at < 300_000)], [queues, now, eventAlerts, holds])
  const shownQueues = useMemo(() => (queue ? queues.filter((q) => q.id === queue) : queues), [queues, queue])
  const selectedAgent = (data?.agents ?? []).find((a) => a.agent_id === selected)
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
      <Card size="small" title={t('supervisor.queues')}>
        <QueueGrid queues={shownQueues} />
      </Card>
      <Row gutter={[12, 12]}>
        <Col xs={24} xxl={16}>
          <Card
            size="small"
            title={
              <Space>
                {t('supervisor.agents')}
                <Badge count={agents.length} showZero color="#1677ff" overflowCount={9999} />
              </Space>
            }
            extra={
              <Space wrap>
                <Select allowClear aria-label={t('supervisor.filterQueue')} placeholder={t('supervisor.filterQueue')} style={{ width: 140 }} value={queue} onChange={setQueue} options={queues.map((q) => ({ value: q.id, label: q.name || q.id }))} />
                <Select allowClear aria-label={t('supervisor.filterGroup')} placeholder={t('supervisor.filterGroup')} style={{ width: 140 }} value={group} onChange={setGroup} options={groupOptions} notFoundContent={t('supervisor.noGroups')} />
                <Select allowClear aria-label={t('supervisor.filterState')} placeholder={t('supervisor.filterState')} style={{ width: 140 }} value={state} onChange={setState} options={states.map((s) => ({ value: s, label: t(`state.${s}`) }))} />
                <Input.Search allowClear aria-label={t('supervisor.search')} placeholder={t('supervisor.search')} style={{ width: 180 }} onChange={(e) => setSearch(e.target.value)} />
              </Space>
            }
          >
            <AgentGrid agents={agents} selected={selected} onSelect={(a) => setSelected(a.agent_id)} />
          </Card>
        </Col>
        <Col xs={24} xxl={8}>
          <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
            <CallMonitor agent={selectedAgent} mode={monitoring} setMode={setMonitoring} />
            <Card size="small" title={t('supervisor.alerts')} aria-label={t('supervisor.alerts')}>
              <List
                size="small"
                dataSource={alerts}
                locale={{ emptyText: t('supervisor.noAlerts') }}
                renderItem={(a) => (
                  <List.Item>
                    <Typography.Text type="warning">
                      {a.kind === 'sl'
                        ? t('alerts.sl', { queue: a.queue, sl: fmtPercent(a.value), target: fmtPercent(a.target) })
                        : a.kind === 'wait'
                          ? t('alerts.wait', { queue: a.queue, wait: fmtDuration(a.value) })
                          : a.kind === 'hold'
                            ? t('alerts.hold', { agent: a.agent, time: fmtDuration(a.value) })
                            : a.kind === 'quota'
                              ? t('quota.alert', { limit: a.limit, message: a.message })
                              : t('alerts.noAnswer', { agent: a.agent })}
                    </Typography.Text>
                  </List.Item>
                )}
              />
            </Card>
          </div>
        </Col>
      </Row>
    </div>
  )
}
