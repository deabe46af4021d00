import { Suspense, lazy, memo } from 'react'
import { Col, Row, Spin, Tabs } from 'antd'
import { useTranslation } from 'react-i18next'
import { StateBar } from './StateBar'
import { CallPanel } from './CallPanel'
import { ScreenPop } from './ScreenPop'
import { DialPad } from './DialPad'
import { CustomerPanel } from '../crm/CustomerPanel'
import { useWorkOrderEvents } from '../crm/events'

// Lists with tables and the softphone load after the desktop itself: the
// state bar, call controls and pop come first.
const Callbacks = lazy(() => import('./Callbacks'))
const Voicemail = lazy(() => import('./Voicemail'))
const RecentCalls = lazy(() => import('./RecentCalls'))
const Softphone = lazy(() => import('./Softphone'))
const Campaigns = lazy(() => import('./Campaigns'))
const AgentSms = lazy(() => import('../sms/AgentSms'))
import { useAgentEvents, useAgentState } from './useAgent'
import { useCall } from './callStore'
import { useMe } from '../lib/hooks'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { softphoneExtension } from './phoneStore'

// Lists is the desktop's lower half; it does not depend on the call, so a
// ringing call does not re-render it (the screen pop paints sooner).
const Lists = memo(function Lists({ dialBlocked }: { dialBlocked?: string }) {
  const { t } = useTranslation()
  return (
    <Tabs
      type="card"
      destroyInactiveTabPane
      items={[
        { key: 'dial', label: t('dial.title'), children: <DialPad disabled={dialBlocked} /> },
        { key: 'callbacks', label: t('callbacks.title'), children: <Suspense fallback={<Spin />}><Callbacks /></Suspense> },
        { key: 'voicemail', label: t('voicemail.title'), children: <Suspense fallback={<Spin />}><Voicemail /></Suspense> },
        { key: 'calls', label: t('calls.title'), children: <Suspense fallback={<Spin />}><RecentCalls /></Suspense> },
      ]}
    />
  )
})

// Phone is the browser softphone on the agent's extension: the device they
// signed in on, else the one assigned to them (so it rings for direct and
// transferred calls, and dials, before they sign in to queues). A new
// extension remounts it (registers the new one).
const Phone = memo(function Phone({ device }: { device?: string }) {
  return (
    <Suspense fallback={null}>
      <Softphone key={device ?? ''} device={device} />
    </Suspense>
  )
})

// AgentDesktop (坐席工作台): state bar, the call with its controls and the
// screen pop, then the dial pad, call-backs, voicemail and own calls.
export function AgentDesktop() {
  const { t } = useTranslation()
  useAgentEvents()
  useWorkOrderEvents()
  const q = useAgentState()
  const state = q.data
  const { offer } = useCall()
  const assigned = useMe().data?.devices
  // The campaign screens load only for an agent whose queues run one.
  const campaigns = useQuery({ queryKey: ['agent', 'campaigns'], queryFn: () => unwrap(client.GET('/api/v1/agent/campaigns')), refetchInterval: 60_000 })
  const st = state?.state
  // The pop belongs to the current call (shown the moment the offer
  // arrives, before the state confirms it); the last one stays visible
  // through wrap-up.
  const fresh = offer?.receivedAt != null && performance.now() - offer.receivedAt < 10_000
  const current = offer && (offer.call === state?.call_id || st === 'wrap-up' || st === 'ringing' || st === 'on-call' || fresh) ? offer : null
  const dialBlocked = st === 'logged-out' ? t('agent.notSignedIn') : undefined
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
      <StateBar state={state} loading={q.isLoading} />
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={13}>
          <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
            <CallPanel state={state} />
            <Lists dialBlocked={dialBlocked} />
          </div>
        </Col>
        <Col xs={24} xl={11}>
          <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
            {(campaigns.data?.length ?? 0) > 0 && (
              <Suspense fallback={null}>
                <Campaigns />
              </Suspense>
            )}
            <ScreenPop offer={current} />
            <CustomerPanel offer={current} state={state} />
            {current?.caller && (
              <Suspense fallback={null}>
                <AgentSms call={current.call} caller={current.caller} />
              </Suspense>
            )}
            <Phone device={softphoneExtension(st === 'logged-out' ? undefined : state?.device, assigned)} />
          </div>
        </Col>
      </Row>
    </div>
  )
}
