// The one WebSocket of the console (/api/v1/ws): events in, commands out.
// It reconnects with backoff after a drop and then tells its listeners to
// resync ({type: "resync"}), so screens refetch what they may have missed.
import { useEffect, useRef, useSyncExternalStore } from 'react'
import type { Event } from './api'
import { getSession, onTokenRefreshed } from './session'

export type WsEvent = Event & { receivedAt?: number }
export type WsStatus = 'idle' | 'connecting' | 'open' | 'closed'
type Listener = (ev: WsEvent) => void

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void }

export class EventSocket {
  private ws: WebSocket | null = null
  private listeners = new Set<Listener>()
  private statusListeners = new Set<() => void>()
  private pending = new Map<string, Pending>()
  private attempts = 0
  private seq = 0
  private opened = false
  private stopped = true
  private timer: ReturnType<typeof setTimeout> | undefined
  status: WsStatus = 'idle'

  constructor(private url: () => string | null) {}

  start() {
    if (!this.stopped) return
    this.stopped = false
    this.open()
  }

  stop() {
    this.stopped = true
    this.opened = false
    if (this.timer) clearTimeout(this.timer)
    this.ws?.close()
    this.ws = null
    this.setStatus('idle')
  }

  // drop closes the socket as a network failure would (tests, and the
  // "reconnect" button).
  drop() {
    this.ws?.close()
  }

  private open() {
    const url = this.url()
    if (!url) return
    this.setStatus('connecting')
    const ws = new WebSocket(url)
    this.ws = ws
    ws.onopen = () => {
      const again = this.opened
      this.opened = true
      this.attempts = 0
      this.setStatus('open')
      if (again) this.emit({ type: 'resync' } as WsEvent)
    }
    ws.onmessage = (m) => {
      const receivedAt = performance.now()
      let d: { type?: string; id?: string; ok?: boolean; result?: unknown; error?: { message?: string } }
      try {
        d = JSON.parse(String(m.data))
      } catch {
        return
      }
      if (d.type === 'reply') {
        const p = this.pending.get(d.id ?? '')
        if (p) {
          this.pending.delete(d.id ?? '')
          if (d.ok) p.resolve(d.result)
          else p.reject(new Error(d.error?.message ?? 'command failed'))
        }
        return
      }
      this.emit({ ...(d as WsEvent), receivedAt })
    }
    ws.onclose = () => {
      if (this.ws !== ws) return
      this.ws = null
      this.pending.forEach((p) => p.reject(new Error('connection lost')))
      this.pending.clear()
      this.setStatus('closed')
      if (this.stopped) return
      const delay = Math.min(10_000, 500 * 2 ** this.attempts++)
      this.timer = setTimeout(() => this.open(), delay)
    }
  }

  command(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const ws = this.ws
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected'))
    const id = `c${++this.seq}`
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      ws.send(JSON.stringify({ ...args, id, cmd }))
    })
  }

  subscribe(f: Listener): () => void {
    this.listeners.add(f)
    return () => this.listeners.delete(f)
  }

  subscribeStatus(f: () => void): () => void {
    this.statusListeners.add(f)
    return () => this.statusListeners.delete(f)
  }

  emit(ev: WsEvent) {
    this.listeners.forEach((f) => f(ev))
  }

  private setStatus(s: WsStatus) {
    this.status = s
    this.statusListeners.forEach((f) => f())
  }
}

export const socket = new EventSocket(() => {
  const s = getSession()
  if (!s) return null
  const proto = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${proto}://${location.host}/api/v1/ws?access_token=${encodeURIComponent(s.token)}`
})

onTokenRefreshed((token) => {
  socket.command('auth', { token }).catch(() => socket.drop())
})

// useEvents calls handler with every event (and resync) while mounted.
export function useEvents(handler: Listener) {
  const ref = useRef(handler)
  ref.current = handler
  useEffect(() => socket.subscribe((ev) => ref.current(ev)), [])
}

export function useSocketStatus(): WsStatus {
  return useSyncExternalStore(
    (f) => socket.subscribeStatus(f),
    () => socket.status,
  )
}
