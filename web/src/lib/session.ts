// The signed-in user's session: kept in sessionStorage (per browser tab, so
// an agent and a supervisor can work in two windows of one browser, and a
// reload keeps the session), refreshed before the token expires.
import { useSyncExternalStore } from 'react'

export type User = {
  id: string
  username: string
  role: string
  tenant: string
  display_name?: string
  work_number?: string
}

export type Session = {
  token: string
  expires_at: string
  session_expires_at: string
  user: User
}

const KEY = 'ipcc.session'
const listeners = new Set<() => void>()
let current: Session | null = load()
let timer: ReturnType<typeof setTimeout> | undefined
let onToken: ((token: string) => void) | undefined

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY)
    if (!raw) return null
    const s = JSON.parse(raw) as Session
    if (new Date(s.expires_at).getTime() <= Date.now()) return null
    return s
  } catch {
    return null
  }
}

export function getSession(): Session | null {
  return current
}

export function setSession(s: Session | null) {
  current = s
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s))
  else sessionStorage.removeItem(KEY)
  schedule()
  listeners.forEach((f) => f())
}

export function subscribeSession(f: () => void): () => void {
  listeners.add(f)
  return () => listeners.delete(f)
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession)
}

// onTokenRefreshed tells the event socket about a fresh token.
export function onTokenRefreshed(f: (token: string) => void) {
  onToken = f
}

// refreshNow exchanges the token for a fresh one of the same session.
export async function refreshNow(): Promise<boolean> {
  const s = current
  if (!s) return false
  try {
    const res = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { Authorization: `Bearer ${s.token}` } })
    if (!res.ok) {
      if (res.status === 401) setSession(null)
      return false
    }
    const body = (await res.json()) as { token: string; expires_at: string; session_expires_at: string }
    setSession({ ...s, token: body.token, expires_at: body.expires_at, session_expires_at: body.session_expires_at })
    onToken?.(body.token)
    return true
  } catch {
    schedule(30_000) // offline: try again soon
    return false
  }
}

function schedule(retryMs?: number) {
  if (timer) clearTimeout(timer)
  timer = undefined
  if (!current) return
  const left = new Date(current.expires_at).getTime() - Date.now()
  const wait = retryMs ?? Math.max(5_000, left - 120_000)
  timer = setTimeout(() => void refreshNow(), Math.min(wait, 2_147_000_000))
}

schedule()
