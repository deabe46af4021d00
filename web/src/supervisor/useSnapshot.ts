import { useEffect, useRef } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type Snapshot } from '../lib/api'
import { useEvents, type WsEvent } from '../lib/ws'

export const snapshotKey = ['supervisor', 'snapshot']

// foldEvents applies agent state events to a snapshot (a new object; the
// untouched agents keep their identity so rows do not re-render).
export function foldEvents(s: Snapshot, evs: WsEvent[]): Snapshot {
  const latest = new Map<string, WsEvent>()
  for (const ev of evs) if (ev.type === 'state' && ev.agent) latest.set(ev.agent, ev)
  if (!latest.size) return s
  return {
    ...s,
    agents: (s.agents ?? []).map((a) => {
      const ev = latest.get(a.agent_id ?? '')
      if (!ev) return a
      return { ...a, state: ev.state ?? a.state, reason: ev.reason ?? '', since: ev.at ?? a.since, call_id: ev.call ?? (ev.state === 'on-call' || ev.state === 'ringing' ? a.call_id : ''), queue_id: ev.queue ?? a.queue_id }
    }),
  }
}

// useSnapshot is the live view: the snapshot, with agent state events
// folded in every second, and a full refetch (queue figures) at most every
// 2 s after events that change queues.
export function useSnapshot(onEvent?: (ev: WsEvent) => void) {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: snapshotKey, queryFn: () => unwrap(client.GET('/api/v1/supervisor/snapshot')) as Promise<Snapshot>, refetchInterval: 15_000 })
  const buf = useRef<WsEvent[]>([])
  const flush = useRef<ReturnType<typeof setTimeout>>()
  const lastRefetch = useRef(0)
  const refetchTimer = useRef<ReturnType<typeof setTimeout>>()
  useEffect(
    () => () => {
      clearTimeout(flush.current)
      clearTimeout(refetchTimer.current)
    },
    [],
  )
  useEvents((ev) => {
    onEvent?.(ev)
    if (ev.type === 'resync') {
      void qc.invalidateQueries({ queryKey: snapshotKey })
      return
    }
    buf.current.push(ev)
    if (!flush.current) {
      flush.current = setTimeout(() => {
        flush.current = undefined
        const evs = buf.current
        buf.current = []
        qc.setQueryData<Snapshot>(snapshotKey, (s) => (s ? foldEvents(s, evs) : s))
      }, 1000)
    }
    if (ev.type !== 'state' && !refetchTimer.current) {
      const wait = Math.max(0, 2_000 - (Date.now() - lastRefetch.current))
      refetchTimer.current = setTimeout(() => {
        refetchTimer.current = undefined
        lastRefetch.current = Date.now()
        void qc.invalidateQueries({ queryKey: snapshotKey })
      }, wait)
    }
  })
  return q
}
