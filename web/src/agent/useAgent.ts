import { App as AntApp } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef } from 'react'
import { client, unwrap, type AgentSnapshot } from '../lib/api'
import { useEvents } from '../lib/ws'
import { useSession } from '../lib/session'
import { live } from '../lib/live'
import { applyEvent, clearCall, getCall } from './callStore'

export const agentStateKey = ['agent', 'state']

export function useAgentState() {
  return useQuery({
    queryKey: agentStateKey,
    queryFn: () => unwrap(client.GET('/api/v1/agent/state')) as Promise<AgentSnapshot>,
    refetchInterval: 20_000,
  })
}

// useAgentEvents folds this agent's events into the desktop: the offer and
// call flags at once (the screen pop must not wait for a request), the
// agent state by refetching it (coalesced).
export function useAgentEvents() {
  const qc = useQueryClient()
  const { notification } = AntApp.useApp()
  const me = useSession()?.user.id
  const pending = useRef<ReturnType<typeof setTimeout>>()
  const refetch = () => {
    if (pending.current) return
    pending.current = setTimeout(() => {
      pending.current = undefined
      void qc.invalidateQueries({ queryKey: agentStateKey })
    }, 50)
  }
  useEvents((ev) => {
    if (ev.type === 'resync') {
      void qc.invalidateQueries()
      return
    }
    if (ev.agent && ev.agent !== me) return // supervisors see every agent's events
    if (ev.type === 'callback_due') {
      // A scheduled call-back is due (or overdue and now the queue's).
      void qc.invalidateQueries({ queryKey: ['callbacks'] })
      const caller = ev.caller || ''
      notification.info({
        key: `callback-${ev.target}`,
        message: live((t) => t(ev.reason === 'overdue' ? 'callbacks.overdueNotice' : 'callbacks.dueNotice', { caller })),
      })
      return
    }
    if (ev.type === 'offered') {
      applyEvent(ev)
      // The state shows ringing right away; the refetch confirms it.
      qc.setQueryData<AgentSnapshot>(agentStateKey, (s) => (s ? { ...s, state: 'ringing', call_id: ev.call, queue_id: ev.queue, since: ev.at } : s))
      refetch()
      return
    }
    if (ev.type === 'offer_cancelled' && getCall().offer?.call === ev.call) clearCall()
    applyEvent(ev)
    if (ev.agent === me) {
      refetch()
      if (ev.type === 'answered' || ev.type === 'left') void qc.invalidateQueries({ queryKey: ['agent', 'calls'] })
    }
  })
}
