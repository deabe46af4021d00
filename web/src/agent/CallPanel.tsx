import { useEffect, useMemo, useRef, useState } from 'react'
import { App as AntApp, Button, Card, Space, Tag, Tooltip, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type AgentSnapshot } from '../lib/api'
import { fmtDuration, since } from '../lib/format'
import { useNow } from '../lib/hooks'
import { errorText, live } from '../lib/live'
import { setFlags, useCall } from './callStore'
import { TargetDialog, type TargetMode } from './TargetDialog'
import { agentStateKey } from './useAgent'
import { useRinger } from './ringer'

export type ControlAction = {
  key: string
  label: string
  shortcut: string
  disabled?: string // why it cannot be done now
  danger?: boolean
  primary?: boolean
  run: () => void
}

type ControlInput = {
  state?: string
  // own: the agent's own outbound call (click-to-dial, a campaign's
  // preview dial): hang-up, hold and recording apply, transfers do not.
  own?: boolean
  answer: { ok: boolean; reason?: string }
  flags: { held?: boolean; muted?: boolean; recording?: 'on' | 'paused'; consulting?: boolean }
}

// controlsFor says which call controls apply and why the others do not;
// a pure function of the agent's state and the call's flags.
export function controlsFor(input: ControlInput, t: (k: string, o?: Record<string, unknown>) => string, act: (key: string) => void): ControlAction[] {
  const { state, flags } = input
  const own = !!input.own
  const onCall = state === 'on-call' || own
  const ringing = state === 'ringing'
  const none = !onCall && !ringing ? t('call.why.noCall') : ringing ? t('call.why.ringing') : undefined
  // On their own outbound call the agent has no transfer, consult, help,
  // flow or mute (the call is not a queue call).
  const notOwn = own ? t('call.why.ownCall') : undefined
  const consulting = notOwn ?? (flags.consulting ? t('call.why.consulting') : undefined)
  const needConsult = notOwn ?? (!flags.consulting ? t('call.why.notConsulting') : undefined)
  const a = (key: string, label: string, shortcut: string, disabled?: string, extra: Partial<ControlAction> = {}): ControlAction => ({
    key,
    label,
    shortcut,
    disabled,
    run: () => act(key),
    ...extra,
  })
  return [
    a('answer', t('call.answer'), 'Alt+A', !ringing ? t('call.why.noCall') : !input.answer.ok ? t('call.why.noAnswer', { reason: input.answer.reason ?? '' }) : undefined, { primary: true }),
    a('hangup', t('call.hangup'), 'Alt+E', none, { danger: true }),
    flags.held ? a('unhold', t('call.unhold'), 'Alt+H', none) : a('hold', t('call.hold'), 'Alt+H', none ?? (own ? undefined : consulting)),
    flags.muted ? a('unmute', t('call.unmute'), 'Alt+M', none ?? notOwn) : a('mute', t('call.mute'), 'Alt+M', none ?? notOwn),
    a('transfer', t('call.transfer'), 'Alt+T', none ?? consulting),
    a('consult', t('call.consult'), 'Alt+C', none ?? consulting),
    a('consult-complete', t('call.consultComplete'), 'Alt+K', none ?? needConsult),
    a('consult-cancel', t('call.consultCancel'), 'Alt+Q', none ?? needConsult),
    a('three-way', t('call.threeWay'), 'Alt+3', none ?? needConsult),
    a('help', t('call.help'), 'Alt+G', none ?? consulting),
    a('flow', t('call.flow'), 'Alt+F', none ?? consulting),
    flags.recording === 'paused'
      ? a('record-resume', t('call.recordResume'), 'Alt+R', none)
      : a('record-pause', t('call.recordPause'), 'Alt+R', none ?? (flags.recording !== 'on' ? t('call.why.notRecording') : undefined)),
  ]
}

const simple: Record<string, string> = {
  hangup: '/api/v1/agent/call/hangup',
  hold: '/api/v1/agent/call/hold',
  unhold: '/api/v1/agent/call/unhold',
  mute: '/api/v1/agent/call/mute',
  unmute: '/api/v1/agent/call/unmute',
  'consult-complete': '/api/v1/agent/call/consult/complete',
  'consult-cancel': '/api/v1/agent/call/consult/cancel',
  'three-way': '/api/v1/agent/call/three-way',
  'record-pause': '/api/v1/agent/call/record/pause',
  'record-resume': '/api/v1/agent/call/record/resume',
  answer: '/api/v1/agent/call/answer',
}

export function CallPanel({ state }: { state?: AgentSnapshot }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const { offer, flags } = useCall()
  const now = useNow()
  const [dialog, setDialog] = useState<TargetMode | null>(null)
  const st = state?.state
  const callID = state?.call_id
  // The agent's own outbound call (click-to-dial, a campaign dial): they
  // are not ready for queue calls while it lasts.
  const ownCall = st === 'not-ready' && state?.reason === 'outbound-call'
  useRinger(st === 'ringing')
  const caps = useQuery({
    queryKey: ['agent', 'capabilities', callID],
    queryFn: () => unwrap(client.GET('/api/v1/agent/call/capabilities')),
    enabled: !!callID && (st === 'ringing' || st === 'on-call'),
    staleTime: 60_000,
  })
  const labelKey = (key: string) => `call.${key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`

  const post = async (key: string, f: () => Promise<unknown>) => {
    try {
      await f()
      switch (key) {
        case 'hold':
          setFlags(callID, { held: true })
          break
        case 'unhold':
          setFlags(callID, { held: false })
          break
        case 'mute':
          setFlags(callID, { muted: true })
          break
        case 'unmute':
          setFlags(callID, { muted: false })
          break
        case 'consult':
        case 'help':
          setFlags(callID, { consulting: true })
          break
        case 'consult-cancel':
        case 'three-way':
          setFlags(callID, { consulting: false, held: false })
          break
        case 'consult-complete':
          setFlags(callID, { consulting: false })
          break
        case 'record-pause':
          setFlags(callID, { recording: 'paused' })
          break
        case 'record-resume':
          setFlags(callID, { recording: 'on' })
          break
      }
      message.success(live((t) => t('call.actionDone', { action: t(labelKey(key)) })))
      void qc.invalidateQueries({ queryKey: agentStateKey })
    } catch (e) {
      message.error(live((t) => t('call.failed', { action: t(labelKey(key)), message: errorText(t, e) })))
    }
  }

  const act = (key: string) => {
    if (key === 'transfer' || key === 'consult' || key === 'help' || key === 'flow') {
      setDialog(key)
      return
    }
    const path = simple[key]
    if (path) void post(key, () => unwrap(client.POST(path as '/api/v1/agent/call/hold')))
  }

  const actions = useMemo(
    () =>
      controlsFor(
        { state: st, own: ownCall, answer: { ok: !!caps.data?.answer, reason: caps.data?.answer_unsupported }, flags: flags ?? {} },
        t as unknown as (k: string, o?: Record<string, unknown>) => string,
        act,
      ),
    [st, ownCall, caps.data, flags, t], // eslint-disable-line react-hooks/exhaustive-deps
  )

  // Keyboard shortcuts: Alt + the key shown on each button.
  const actionsRef = useRef(actions)
  actionsRef.current = actions
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return
      const key = e.code.startsWith('Key') ? e.code.slice(3) : e.code.startsWith('Digit') ? e.code.slice(5) : ''
      const a = actionsRef.current.find((x) => x.shortcut === `Alt+${key}`)
      if (a && !a.disabled) {
        e.preventDefault()
        a.run()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const submitTarget = async (mode: TargetMode, kind: string, target: string) => {
    const done = () => setDialog(null)
    if (mode === 'flow') return post('flow', () => unwrap(client.POST('/api/v1/agent/call/flow', { body: { flow: target } }))).then(done)
    const path = { transfer: '/api/v1/agent/call/transfer', consult: '/api/v1/agent/call/consult', help: '/api/v1/agent/call/help' }[mode] as '/api/v1/agent/call/transfer'
    return post(mode, () => unwrap(client.POST(path, { body: { kind, target } }))).then(done)
  }

  const ringing = st === 'ringing'
  const onCall = st === 'on-call' || ownCall
  const queues = (state?.queues ?? []).map((q) => q.queue_id ?? '').filter(Boolean)
  return (
    <Card
      size="small"
      title={
        <Space>
          <span>{ringing ? t('call.incoming') : onCall ? t('call.connected') : t('call.noCall')}</span>
          {onCall && flags.consulting && <Tag color="blue">{t('call.consultingTag')}</Tag>}
          {onCall && flags.held && !flags.consulting && <Tag color="orange">{t('call.held')}</Tag>}
          {onCall && flags.muted && <Tag color="red">{t('call.muted')}</Tag>}
          {onCall && flags.consulting && <Tag color="purple">{t('call.consulting')}</Tag>}
          {onCall && flags.recording === 'on' && <Tag color="red">● {t('call.recording')}</Tag>}
          {onCall && flags.recording === 'paused' && <Tag>{t('call.recordingPaused')}</Tag>}
        </Space>
      }
      extra={onCall || ringing ? <Typography.Text style={{ fontVariantNumeric: 'tabular-nums' }}>{fmtDuration(since(state?.since, now))}</Typography.Text> : null}
      className={ringing ? 'ipcc-ringing' : undefined}
      aria-label={t('call.connected')}
    >
      {ringing && offer && (
        <div role="alert" style={{ marginBottom: 12, fontSize: 18 }}>
          {t('call.incoming')}: <strong>{offer.caller}</strong> → {offer.did} · {offer.queue}
        </div>
      )}
      <Space wrap role="toolbar" aria-label={t('call.shortcuts')}>
        {actions.map((a) => (
          <Tooltip key={a.key} title={a.disabled ?? a.shortcut}>
            <span>
              <Button
                type={a.primary ? 'primary' : 'default'}
                danger={a.danger}
                disabled={!!a.disabled}
                aria-keyshortcuts={a.shortcut}
                aria-description={a.disabled}
                onClick={a.run}
              >
                {a.label}
                <span className="ipcc-kbd">{a.shortcut}</span>
              </Button>
            </span>
          </Tooltip>
        ))}
      </Space>
      <TargetDialog mode={dialog} queues={queues} onCancel={() => setDialog(null)} onSubmit={submitTarget} />
    </Card>
  )
}
