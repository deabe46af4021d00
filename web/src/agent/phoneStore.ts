// The browser softphone's status, shared with the rest of the desktop: the
// dial pad calls from it when the agent has not signed in to queues (the
// controller's click-to-dial needs a signed-in device).
import { useSyncExternalStore } from 'react'

export type PhoneStatus = 'off' | 'connecting' | 'registered' | 'disconnected' | 'ringing' | 'in-call'

type Phone = { ext?: string; status: PhoneStatus; call?: (number: string) => Promise<void> }

const listeners = new Set<() => void>()
let phone: Phone = { status: 'off' }

export function setPhone(p: Phone) {
  phone = p
  listeners.forEach((f) => f())
}

export function getPhone(): Phone {
  return phone
}

export function usePhone(): Phone {
  return useSyncExternalStore(
    (f) => {
      listeners.add(f)
      return () => listeners.delete(f)
    },
    () => phone,
  )
}

// softphoneExtension picks the extension the browser phone registers: the
// device the agent signed in on when it is an extension, else the first
// extension among the devices assigned to the user (so the phone works
// before sign-in: direct and transferred calls, dialling).
export function softphoneExtension(live: string | undefined, assigned: string[] | undefined): string | undefined {
  const ok = (d?: string) => !!d && /^[0-9A-Za-z_.-]+$/.test(d)
  if (ok(live)) return live
  return (assigned ?? []).find((d) => ok(d))
}

// Remembered SIP passwords live in this tab's sessionStorage only (ipcc
// never stores them): a reload or a new device re-registers by itself.
const pwKey = (ext: string) => `ipcc.softphone.${ext}`
export function rememberedPassword(ext: string): string | null {
  try {
    return sessionStorage.getItem(pwKey(ext))
  } catch {
    return null
  }
}
export function rememberPassword(ext: string, pw: string | null) {
  try {
    if (pw == null) sessionStorage.removeItem(pwKey(ext))
    else sessionStorage.setItem(pwKey(ext), pw)
  } catch {
    /* storage refused: the agent types it again */
  }
}
