import { useState } from 'react'
import { Alert, App as AntApp, Button, Card, Dropdown, Modal, Select, Space, Statistic, Tag, Tooltip, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type AgentSnapshot, type Schemas } from '../lib/api'
import { fmtDuration, since } from '../lib/format'
import { useMe, useNow } from '../lib/hooks'
import { agentStateKey } from './useAgent'
import { errorText, live } from '../lib/live'

export const notReadyReasons = ['break', 'lunch', 'training', 'meeting'] as const

export const stateColor: Record<string, string> = {
  'logged-out': 'default',
  available: 'green',
  'not-ready': 'orange',
  ringing: 'gold',
  'on-call': 'blue',
  'wrap-up': 'purple',
}

export function StateTag({ state, reason }: { state?: string; reason?: string }) {
  const { t } = useTranslation()
  const s = state ?? 'logged-out'
  return (
    <Tag color={stateColor[s]} style={{ fontSize: 14, padding: '2px 10px' }}>
      {t(`state.${s}`, { defaultValue: s })}
      {reason ? ` · ${t(`reason.${reason}`, { defaultValue: reason })}` : ''}
    </Tag>
  )
}

type Props = { state?: AgentSnapshot; loading?: boolean }

// StateBar: sign in/out, ready, not ready with a reason, wrap-up countdown.
export function StateBar({ state, loading }: Props) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const me = useMe().data
  const now = useNow()
  const [busy, setBusy] = useState<string>()
  // The break cap's answer, said in the language of the moment it is read.
  const [breakNote, setBreakNote] = useState<{ type: 'info' | 'error'; error?: unknown }>()
  const [chooseOpen, setChooseOpen] = useState(false)
  const [chosen, setChosen] = useState<string[]>([])
  const [device, setDevice] = useState<string>()
  const st = state?.state ?? 'logged-out'
  const signedIn = st !== 'logged-out'
  const devices = me?.devices ?? []
  const myQueues = (state?.queues ?? []).map((q) => q.queue_id ?? '').filter(Boolean)

  const run = async (key: string, f: () => Promise<unknown>) => {
    setBusy(key)
    try {
      const r = await f()
      if (r && typeof r === 'object' && 'state' in (r as object)) qc.setQueryData(agentStateKey, r)
      await qc.invalidateQueries({ queryKey: agentStateKey })
      return r
    } catch (e) {
      message.error(live((t) => t('call.failed', { action: t(`agent.${key}`, { defaultValue: key }), message: errorText(t, e) })))
      return undefined
    } finally {
      setBusy(undefined)
    }
  }

  const signIn = (queues?: string[]) =>
    run('signIn', () => {
      const body: Schemas['api.agentLoginRequest'] = {}
      if (queues && queues.length) body.queues = queues
      if (device ?? devices[0]) body.device = device ?? devices[0]
      return unwrap(client.POST('/api/v1/agent/login', { body }))
    })

  const notReady = async (reason: string) => {
    setBreakNote(undefined)
    setBusy('notReady')
    try {
      const r = await unwrap(client.POST('/api/v1/agent/not-ready', { body: { reason } }))
      if (r.queued) setBreakNote({ type: 'info' })
      await qc.invalidateQueries({ queryKey: agentStateKey })
    } catch (e) {
      // The break cap's refusal, said plainly.
      setBreakNote({ type: 'error', error: e })
    } finally {
      setBusy(undefined)
    }
  }

  const wrapLeft = state?.wrap_up_end ? Math.max(0, new Date(state.wrap_up_end).getTime() - now) : 0
  return (
    <Card size="small" styles={{ body: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 12 } }} aria-label={t('agent.stateBar')}>
      <Space size="small" align="center">
        <span role="status" aria-label={t('agent.currentState')}>
          <StateTag state={st} reason={state?.reason} />
        </span>
        <Tooltip title={t('state.timeInState')}>
          <Typography.Text strong style={{ fontVariantNumeric: 'tabular-nums', fontSize: 16 }} aria-label={t('state.timeInState')}>
            {signedIn ? fmtDuration(since(state?.since, now)) : '–'}
          </Typography.Text>
        </Tooltip>
      </Space>
      {!signedIn ? (
        <Space wrap>
          {devices.length > 1 && (
            <Select aria-label={t('agent.device')} size="middle" style={{ width: 140 }} value={device ?? devices[0]} onChange={setDevice} options={devices.map((d) => ({ value: d, label: d }))} />
          )}
          <Button type="primary" loading={busy === 'signIn'} disabled={loading || devices.length === 0} onClick={() => void signIn()}>
            {t('agent.signIn')} · {t('agent.signInAll')}
          </Button>
          <Button disabled={loading || devices.length === 0} onClick={() => setChooseOpen(true)}>
            {t('agent.signInChosen')}
          </Button>
        </Space>
      ) : (
        <Space wrap>
          <Button
            type="primary"
            aria-keyshortcuts="Alt+1"
            loading={busy === 'ready'}
            disabled={st === 'available' || st === 'on-call' || st === 'ringing'}
            onClick={() => void run('ready', () => unwrap(client.POST('/api/v1/agent/ready')))}
          >
            {t('agent.ready')}
            <span className="ipcc-kbd">Alt+1</span>
          </Button>
          <Dropdown
            trigger={['click']}
            menu={{ items: notReadyReasons.map((r) => ({ key: r, label: t(`reason.${r}`) })), onClick: ({ key }) => void notReady(key) }}
          >
            <Button aria-keyshortcuts="Alt+2" loading={busy === 'notReady'}>
              {t('agent.notReady')} ▾<span className="ipcc-kbd">Alt+2</span>
            </Button>
          </Dropdown>
          <Button loading={busy === 'signOut'} onClick={() => void run('signOut', () => unwrap(client.POST('/api/v1/agent/logout')))}>
            {t('agent.signOut')}
          </Button>
        </Space>
      )}
      {st === 'wrap-up' && (
        <Space role="timer" aria-live="polite">
          <Typography.Text strong>{t('agent.wrapUpLeft', { left: fmtDuration(wrapLeft) })}</Typography.Text>
          <Button size="small" onClick={() => void run('extend', () => unwrap(client.POST('/api/v1/agent/wrap-up/extend', { body: { extend_ms: 30_000 } })))}>
            {t('agent.extend')}
          </Button>
          <Button size="small" type="primary" onClick={() => void run('endWrapUp', () => unwrap(client.POST('/api/v1/agent/wrap-up/end')))}>
            {t('agent.endWrapUp')}
          </Button>
        </Space>
      )}
      {state?.pending && <Tag color="orange">{t('agent.pending', { pending: t(`reason.${state.pending}`, { defaultValue: state.pending }) })}</Tag>}
      {state?.break_waiting && <Tag color="orange">{t('agent.breakWaiting', { reason: t(`reason.${state.break_waiting}`, { defaultValue: state.break_waiting }) })}</Tag>}
      {signedIn && (
        <Space size="small" style={{ marginLeft: 'auto' }}>
          {(state?.queues ?? []).map((q) => (
            <Tag key={q.queue_id} color={q.logged_in ? 'geekblue' : 'default'}>
              {q.queue_id}
            </Tag>
          ))}
          <Statistic title={t('agent.callsToday')} value={state?.calls_today ?? 0} valueStyle={{ fontSize: 16 }} />
          <Statistic title={t('agent.talkToday')} value={fmtDuration(state?.talk_time_today_ms ?? 0)} valueStyle={{ fontSize: 16 }} />
        </Space>
      )}
      {devices.length === 0 && me && !signedIn && <Alert type="warning" showIcon message={t('agent.noDevice')} />}
      {!signedIn && devices.length > 0 && <Typography.Text type="secondary">{t('agent.notSignedIn')}</Typography.Text>}
      {breakNote && <Alert style={{ flexBasis: '100%' }} type={breakNote.type} showIcon closable message={breakNote.type === 'info' ? t('agent.breakQueued') : t('agent.breakRefused', { message: errorText(t, breakNote.error) })} onClose={() => setBreakNote(undefined)} role="alert" />}
      <Modal
        open={chooseOpen}
        title={t('agent.signInChosen')}
        okText={t('agent.signIn')}
        okButtonProps={{ disabled: chosen.length === 0 }}
        onCancel={() => setChooseOpen(false)}
        onOk={() => {
          setChooseOpen(false)
          void signIn(chosen)
        }}
      >
        <Select mode="multiple" aria-label={t('agent.queues')} style={{ width: '100%' }} value={chosen} onChange={setChosen} options={myQueues.map((q) => ({ value: q, label: q }))} />
      </Modal>
    </Card>
  )
}
