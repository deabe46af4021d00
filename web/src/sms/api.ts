// The SMS routes (/api/v1/sms, docs/sms.md): a small fetch helper that
// throws the API's error (code, message, field) like unwrap does.
import { ApiError } from '../lib/api'
import { getSession } from '../lib/session'

export type SmsProvider = {
  id: string
  kind: 'http' | 'smpp'
  name: string
  sender_id: string
  is_default: boolean
  enabled: boolean
  config: Record<string, unknown>
  report_url: string
  inbound_url: string
}

export type SmsTemplate = { name: string; purpose: string; texts: Record<string, string>; variables: string[] }

export type SmsMessage = {
  id: string
  direction: 'in' | 'out'
  provider_id: string
  sender: string
  number: string
  body: string
  template?: string
  language?: string
  source: string
  call_id?: string
  agent_id?: string
  status: 'queued' | 'sent' | 'delivered' | 'buffered' | 'failed' | 'received'
  parts: number
  attempts: number
  error?: string
  created_at: string
  updated_at: string
}

export type SmsOptOut = { number: string; source: string; note: string; created_at: string }

export type SmsRule = { event: string; template: string; enabled: boolean }
export type SmsSettings = { per_minute: number; per_day: number; per_number_per_hour: number; language: string; rules: SmsRule[]; agent_numbers?: Record<string, string> }

export async function smsCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const s = getSession()
  const headers: Record<string, string> = s ? { Authorization: `Bearer ${s.token}` } : {}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!res.ok) {
    const e = ((await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error
    throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? res.statusText, e?.field)
  }
  return (res.status === 204 ? undefined : await res.json()) as T
}

// statusColor is the tag colour of a message status.
export function statusColor(s: string): string {
  switch (s) {
    case 'delivered':
      return 'green'
    case 'failed':
      return 'red'
    case 'buffered':
      return 'orange'
    case 'queued':
      return 'gold'
    case 'received':
      return 'purple'
  }
  return 'blue'
}

// preview fills a template text's ${variables} with the values given so
// far; the others stay as they are (the API refuses the send without them).
export function preview(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, v: string) => vars[v] || m)
}

// pickText is the template text in lang, else Chinese, else English
// (the order the API uses when the tenant sets no language).
export function pickText(texts: Record<string, string>, lang: string): string {
  return texts[lang] ?? texts['zh-CN'] ?? texts.en ?? ''
}

// exampleConfig is what a new provider's settings start from.
export function exampleConfig(kind: string): string {
  if (kind === 'smpp') {
    return JSON.stringify({ addr: 'smsc.example.com:2775', system_id: 'ipcc', password: 'secret', enquire_link_seconds: 30 }, null, 2)
  }
  return JSON.stringify(
    {
      url: 'https://sms.example.com/send',
      method: 'POST',
      content_type: 'application/json',
      body: '{"mobile":"${to}","content":"${text}","sign":"${from}"}',
      response: { message_id: 'data.msgid', status: 'code', accepted: ['0'] },
      report: { message_id: 'msgid', status: 'stat', delivered: ['DELIVRD'], buffered: ['ENROUTE'], failed: ['UNDELIV', 'EXPIRED', 'REJECTD'] },
      inbound: { from: 'mobile', text: 'content' },
    },
    null,
    2,
  )
}
