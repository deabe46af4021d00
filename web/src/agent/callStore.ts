// What the desktop knows about the agent's current call beyond the agent
// state: the offer (caller, DID, queue, waited, IVR variables — only the
// offered event carries them) and the call's flags (held, muted, recording,
// consulting). Kept in sessionStorage so a page reload brings them back.
import { useSyncExternalStore } from 'react'
import type { WsEvent } from '../lib/ws'

export type Offer = {
  call: string
  caller?: string
  did?: string
  queue?: string
  waited_ms?: number
  vars?: Record<string, string>
  at?: string
  receivedAt?: number
}

export type CallFlags = {
  held?: boolean
  muted?: boolean
  recording?: 'on' | 'paused'
  consulting?: boolean
}

type State = { offer: Offer | null; flags: CallFlags }

const KEY = 'ipcc.agent.call'
const listeners = new Set<() => void>()
let state: State = load()

function load(): State {
  try {
    const raw = sessionStorage.getItem(KEY)
    if (raw) {
      const st = JSON.parse(raw) as State
      // performance.now() restarts with the page: a stored receipt time
      // means nothing after a reload.
      if (st.offer) delete st.offer.receivedAt
      return st
    }
  } catch {
    /* a broken entry is forgotten */
  }
  return { offer: null, flags: {} }
}

function save(next: State) {
  state = next
  sessionStorage.setItem(KEY, JSON.stringify(next))
  listeners.forEach((f) => f())
}

export function getCall(): State {
  return state
}

export function useCall(): State {
  return useSyncExternalStore(
    (f) => {
      listeners.add(f)
      return () => listeners.delete(f)
    },
    () => state,
  )
}

export function offerFromEvent(ev: WsEvent): Offer {
  return { call: ev.call ?? '', caller: ev.caller, did: ev.did, queue: ev.queue, waited_ms: ev.waited_ms, vars: ev.vars, at: ev.at, receivedAt: ev.receivedAt }
}

export function setOffer(o: Offer) {
  save({ offer: o, flags: {} })
}

export function clearCall() {
  save({ offer: null, flags: {} })
}

export function setFlags(call: string | undefined, f: Partial<CallFlags>) {
  if (!call) return
  const flags = state.offer?.call === call ? state.flags : {}
  const offer = state.offer?.call === call ? state.offer : { call }
  save({ offer, flags: { ...flags, ...f } })
}

// applyEvent folds a call event of this agent into the store.
export function applyEvent(ev: WsEvent) {
  switch (ev.type) {
    case 'offered':
      setOffer(offerFromEvent(ev))
      break
    case 'held':
      setFlags(ev.call, { held: true })
      break
    case 'unheld':
      setFlags(ev.call, { held: false })
      break
    case 'help_requested':
      // From this or another window, or the API: the agent consults the helper.
      setFlags(ev.call, { consulting: true })
      break
    case 'help_accepted':
      // The supervisor took over the consultation: the caller is back.
      setFlags(ev.call, { consulting: false, held: false })
      break
    case 'muted':
      setFlags(ev.call, { muted: true })
      break
    case 'unmuted':
      setFlags(ev.call, { muted: false })
      break
    case 'recording_started':
    case 'recording_resumed':
      setFlags(ev.call, { recording: 'on' })
      break
    case 'recording_paused':
      setFlags(ev.call, { recording: 'paused' })
      break
    case 'recording_stopped':
    case 'recording_failed':
      setFlags(ev.call, { recording: undefined })
      break
  }
}

// fillTemplate fills the tenant's CRM URL template from the call.
export function fillTemplate(tmpl: string, o: Offer, agent: { id?: string; work_number?: string }): string {
  const enc = encodeURIComponent
  return tmpl.replace(/\{(var\.)?([A-Za-z0-9_.-]+)\}/g, (_, isVar: string | undefined, name: string) => {
    if (isVar) return enc(o.vars?.[name] ?? '')
    switch (name) {
      case 'caller':
        return enc(o.caller ?? '')
      case 'did':
        return enc(o.did ?? '')
      case 'call':
        return enc(o.call)
      case 'queue':
        return enc(o.queue ?? '')
      case 'agent':
        return enc(agent.id ?? '')
      case 'work_number':
        return enc(agent.work_number ?? '')
    }
    return ''
  })
}

// Screen pop timing, read by the browser tests (docs/PERFORMANCE.md).
type PopMetric = { call: string; eventToPaintMs: number; serverToPaintMs: number; eventToRenderMs: number; visibility: string }
declare global {
  interface Window {
    __ipccPop?: PopMetric[]
  }
}
const recorded = new Set<string>()
export function recordPop(o: Offer) {
  if (o.receivedAt == null || recorded.has(o.call)) return
  recorded.add(o.call)
  const rendered = performance.now()
  requestAnimationFrame(() => {
    const painted = performance.now()
    const m: PopMetric = {
      call: o.call,
      eventToPaintMs: o.receivedAt != null ? painted - o.receivedAt : NaN,
      serverToPaintMs: o.at ? Date.now() - Date.parse(o.at) : NaN,
      eventToRenderMs: o.receivedAt != null ? rendered - o.receivedAt : NaN,
      visibility: document.visibilityState,
    }
    ;(window.__ipccPop ??= []).push(m)
  })
}
