// Form <-> API mapping of the campaigns page (CampaignsPage.tsx). The form
// holds the API's own shapes (milliseconds, outcome → rule) so the API's
// field names ("settings.script[1].options") land on the form's fields;
// only three things differ: the calling window's source (window_mode), the
// broadcast keys (a list of rows, the API's map) and the retry rules (every
// outcome shown, with its default). A setting the form does not show (the
// predictive ones of another type, ratio) is sent back as loaded. Empty
// strings and numbers are sent as absent (the API's defaults).
import type { Schemas } from '../lib/api'

type Campaign = Schemas['campaign.Campaign']
type Settings = Schemas['campaign.Settings']
type Body = Schemas['api.campaignBody']
type Schedule = Schemas['schedule.Schedule']
type Rule = Schemas['campaign.RetryRule']

export const campaignTypes = ['preview', 'progressive', 'predictive', 'ivr_broadcast']
export const complianceProfiles = ['cn', 'us', 'uk', 'custom']
export const questionKinds = ['text', 'choice', 'number', 'yes_no']
export const keyActions = ['queue', 'optout', 'ack']
export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']
export const leadStatuses = ['pending', 'dialing', 'preview', 'done', 'exhausted', 'dnc', 'skipped']
export const reportSections = ['outcomes', 'attempts_per_lead', 'abandon', 'agents'] as const

// The retry rule of an outcome a campaign leaves out (campaign.DefaultRetry,
// docs/outbound.md "Retry rules").
export const defaultRetry: Record<string, Rule> = {
  busy: { retry: true, delay_ms: 600_000 },
  no_answer: { retry: true, delay_ms: 3_600_000 },
  rejected: { retry: true, delay_ms: 14_400_000 },
  invalid_number: { retry: false, delay_ms: 0 },
  failed: { retry: true, delay_ms: 300_000 },
  agent_unavailable: { retry: true, delay_ms: 0 },
  abandoned: { retry: true, delay_ms: 3_600_000 },
}
export const outcomes = Object.keys(defaultRetry)

// The settings the form edits; the rest is kept from the loaded campaign.
export const editedSettings = [
  'queue_id',
  'caller_id',
  'caller_id_pool',
  'trunk',
  'agent_first',
  'mask_numbers',
  'max_in_flight',
  'ring_timeout_ms',
  'agent_ring_timeout_ms',
  'wrap_up_ms',
  'max_attempts',
  'max_attempts_per_day',
  'timezone',
  'default_country',
  'retry',
  'dispositions',
  'script',
  'compliance',
  'abandon_cap_pct',
  'connect_ms',
  'abandon_message',
  'min_lines_per_agent',
  'max_lines_per_agent',
  'trunk_cps',
  'broadcast',
] as const

export type WindowMode = 'default' | 'schedule' | 'own'
export type KeyRow = { key?: string; action?: string }

export type CampaignForm = {
  id?: string
  name?: string
  type?: string
  window_mode?: WindowMode
  broadcast_keys?: KeyRow[]
  settings?: Settings
}

const str = (s?: string | null) => {
  const v = (s ?? '').trim()
  return v ? v : undefined
}
const num = (n?: number | null) => (n == null || Number.isNaN(Number(n)) ? undefined : Number(n))
const list = <T>(xs: T[] | undefined) => (xs && xs.length ? xs : undefined)

// defaultWindow is what "own window" starts from: the API's default window
// (every day 09:00-21:00).
export function defaultWindow(): Schedule {
  return { timezone: 'Asia/Shanghai', weekly: Object.fromEntries(weekdays.map((d) => [d, ['09:00-21:00']])), holidays: [], special_working_days: [] }
}

export function campaignToForm(c: Campaign): CampaignForm {
  const s = c.settings ?? {}
  const settings: Settings = {}
  for (const k of editedSettings) (settings as Record<string, unknown>)[k] = s[k]
  settings.mask_numbers = !!s.mask_numbers
  settings.agent_first = !!s.agent_first
  settings.retry = Object.fromEntries(outcomes.map((o) => [o, { ...defaultRetry[o], ...(s.retry?.[o] ?? {}) }]))
  settings.window = s.window ?? defaultWindow()
  settings.schedule_id = s.schedule_id
  settings.dispositions = (s.dispositions ?? []).map((d) => ({ ...d, final: !!d.final }))
  settings.script = (s.script ?? []).map((q) => ({ ...q, required: !!q.required }))
  const keys = Object.entries(s.broadcast?.keys ?? {}).map(([key, action]) => ({ key, action }))
  return { id: c.id, name: c.name, type: c.type, window_mode: s.schedule_id ? 'schedule' : s.window ? 'own' : 'default', broadcast_keys: keys, settings }
}

function message(m?: Schemas['campaign.Message']) {
  if (!m) return undefined
  const out = { prompt: str(m.prompt), text: str(m.text), lang: str(m.lang) }
  return out.prompt || out.text ? out : undefined
}

function windowBody(w: Schedule | undefined, loaded?: Schedule): Schedule {
  const weekly = Object.fromEntries(weekdays.map((d) => [d, (w?.weekly?.[d] ?? []).map((x) => x.trim()).filter(Boolean)]).filter(([, x]) => x.length))
  return {
    ...(loaded ?? {}),
    name: str(w?.name) ?? loaded?.name,
    timezone: str(w?.timezone) ?? loaded?.timezone,
    // A window with no hours at all is closed; a new one without any is
    // left as the API reads it.
    weekly: Object.keys(weekly).length || loaded?.weekly ? weekly : undefined,
    lunch: list((w?.lunch ?? []).filter(Boolean)),
    holidays: list((w?.holidays ?? []).filter((h) => h && (h.from || h.name))),
    special_working_days: list((w?.special_working_days ?? []).filter((h) => h && (h.from || h.name))),
  }
}

// retryBody sends the rule of an outcome the loaded campaign set, or one
// that differs from the default; the others stay the API's defaults.
function retryBody(r: Record<string, Rule> | undefined, loaded?: Record<string, Rule>) {
  const out: Record<string, Rule> = {}
  for (const o of outcomes) {
    const v = r?.[o]
    if (!v) {
      if (loaded?.[o]) out[o] = loaded[o]
      continue
    }
    const rule = { retry: !!v.retry, delay_ms: v.retry ? (num(v.delay_ms) ?? 0) : 0 }
    const d = defaultRetry[o]
    if (loaded?.[o] || rule.retry !== d.retry || (rule.retry && rule.delay_ms !== d.delay_ms)) out[o] = rule
  }
  return Object.keys(out).length ? out : undefined
}

const norm: Record<string, (x: never, loaded: Settings, v: CampaignForm) => unknown> = {
  queue_id: str,
  caller_id: str,
  caller_id_pool: str,
  trunk: str,
  timezone: str,
  default_country: str,
  compliance: str,
  mask_numbers: (x: boolean | undefined) => !!x,
  agent_first: (x: boolean | undefined) => (x ? true : undefined),
  retry: (x: Record<string, Rule> | undefined, l) => retryBody(x, l.retry),
  dispositions: (x: Schemas['campaign.Disposition'][] | undefined) =>
    list(
      (x ?? [])
        .filter((d) => d && (str(d.code) || str(d.label)))
        .map((d) => ({ code: (d.code ?? '').trim(), label: str(d.label), final: !!d.final, retry_ms: d.final ? undefined : num(d.retry_ms) })),
    ),
  script: (x: Schemas['campaign.Question'][] | undefined) =>
    list(
      (x ?? [])
        .filter((q) => q && (str(q.id) || str(q.text)))
        .map((q) => {
          const kind = q.kind || 'text'
          return { id: (q.id ?? '').trim(), text: (q.text ?? '').trim(), kind, options: kind === 'choice' ? (q.options ?? []).map((o) => o.trim()).filter(Boolean) : undefined, required: q.required ? true : undefined }
        }),
    ),
  abandon_message: (x: Schemas['campaign.Message'] | undefined) => message(x),
  broadcast: (x: Schemas['campaign.BroadcastSettings'] | undefined, l, v) => {
    if (!x) return undefined
    const keys = Object.fromEntries((v.broadcast_keys ?? []).filter((k) => k && str(k.key)).map((k) => [k.key!.trim(), k.action ?? '']))
    return {
      ...(l.broadcast ?? {}),
      message: message(x.message) ?? {},
      optout_message: message(x.optout_message),
      repeat: num(x.repeat),
      wait_ms: num(x.wait_ms),
      lines: num(x.lines),
      keys: Object.keys(keys).length ? keys : undefined,
    }
  },
}

// campaignBody merges the form into the loaded campaign's settings (none for
// a new campaign).
export function campaignBody(v: CampaignForm, loaded?: Campaign): Body {
  const f = (v.settings ?? {}) as Record<string, unknown>
  const l = loaded?.settings ?? {}
  const settings: Record<string, unknown> = { ...l }
  // A field the form does not show (the predictive ones of other types)
  // keeps the loaded value; a shown, cleared one is sent as absent.
  for (const k of editedSettings) if (k in f) settings[k] = (norm[k] ?? num)(f[k] as never, l, v)
  switch (v.window_mode) {
    case 'default':
      settings.window = undefined
      settings.schedule_id = undefined
      break
    case 'schedule':
      settings.window = undefined
      settings.schedule_id = str(f.schedule_id as string)
      break
    case 'own':
      settings.window = windowBody(f.window as Schedule, l.window)
      settings.schedule_id = undefined
      break
  }
  for (const k of Object.keys(settings)) if (settings[k] === undefined) delete settings[k]
  return { id: str(v.id), name: str(v.name), type: str(v.type), settings: settings as Settings }
}

// tabOf names the form's tab holding an API field ("settings.script[1].kind"
// → script), so a refused save opens the tab with the message.
export function tabOf(field?: string): string | undefined {
  if (!field) return undefined
  const k = field.replace(/^settings\./, '').split(/[.[]/)[0]
  if (field === k) return 'basics'
  if (['window', 'schedule_id', 'timezone'].includes(k)) return 'window'
  if (['retry', 'max_attempts', 'max_attempts_per_day'].includes(k)) return 'retry'
  if (k === 'script') return 'script'
  if (k === 'dispositions') return 'dispositions'
  if (['compliance', 'abandon_cap_pct', 'connect_ms', 'abandon_message', 'min_lines_per_agent', 'max_lines_per_agent', 'trunk_cps', 'max_in_flight'].includes(k)) return 'pacing'
  if (k === 'broadcast') return 'broadcast'
  return 'basics'
}

// progressDone is the leads no longer open (done, exhausted, dnc, skipped)
// over all leads of a progress answer.
export function progressDone(p: Schemas['campaign.Progress']): { done: number; total: number } {
  const total = p.leads ?? 0
  const by = p.by_status ?? {}
  const open = (by.pending ?? 0) + (by.dialing ?? 0) + (by.preview ?? 0)
  return { done: Math.max(0, total - open), total }
}

// reportQuery is the query of GET …/report for a span and rolling window
// (CSV: with the section).
export function reportQuery(from: Date, to: Date, windowMin: number, section?: string): string {
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), window_ms: String(windowMin * 60_000), step_ms: String(Math.max(1, Math.round(windowMin / 4)) * 60_000) })
  if (section) {
    q.set('format', 'csv')
    q.set('section', section)
  }
  return q.toString()
}

// decisionCodes are the translation keys explaining a pacing decision
// (campaign.Decision codes; older controllers send only the English reason).
export function decisionCodes(d: Schemas['campaign.Decision']): string[] {
  return (d.codes ?? []).filter((c) => ['no_agents', 'limit', 'budget', 'near_cap', 'floor', 'quota'].includes(c))
}
