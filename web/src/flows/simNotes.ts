// The dry run's notes in the console's language: an outcome's reason and a
// visit's detail come from the API as a code with parameters
// (ivrflows.Note) beside the English text `ipcc flow run` prints. A code
// this console does not know, or a detail without a note (assignments, a
// condition, a hang-up cause: the flow's own text), is shown as the API
// wrote it.
import type { Schemas } from '../lib/api'

type Note = Schemas['ivrflows.Note']
type Outcome = Schemas['ivrflows.Outcome']
type T = (key: string, opts?: Record<string, unknown>) => string

export const noteCodes = [
  'interrupted', 'prompt_failed', 'keys', 'collected', 'budget', 'no_schedules', 'schedule_error', 'unknown_branch', 'schedule',
  'enter_flow', 'transfer', 'mailbox_refused', 'voicemail', 'recorded', 'recorded_not_saved', 'score', 'score_no_store',
  'score_not_stored', 'no_rating', 'sms_error', 'sms_off', 'sms_failed', 'sms_sent', 'http', 'http_values', 'http_error',
  'too_many_visits', 'no_node', 'no_edge', 'time_limit', 'failed', 'hangup_failed', 'unknown_type', 'bad_pattern',
  'too_many_hops', 'load_flow', 'record_failed',
]
export const outcomeKinds = ['hangup', 'caller_hangup', 'transfer', 'voicemail', 'limit', 'error']
const transferKinds = ['queue', 'agent', 'extension', 'external', 'flow']

// keyTries says a menu's or survey's attempts ("invalid 7,timeout,1").
function keyTries(t: T, keys: string): string {
  return keys
    .split(',')
    .map((k) => (k === 'timeout' ? t('flowsim.tries.timeout') : k.startsWith('invalid ') ? t('flowsim.tries.invalid', { key: k.slice(8) }) : k))
    .join(t('flowsim.tries.join'))
}

function transferKind(t: T, kind?: string): string {
  return kind && transferKinds.includes(kind) ? t(`flowsim.transferKinds.${kind}`) : (kind ?? '')
}

// noteText says a note, or answers fallback (the API's English text).
export function noteText(t: T, note: Note | undefined, fallback = ''): string {
  if (!note?.code || !noteCodes.includes(note.code)) return fallback
  const p: Record<string, string> = { ...(note.params ?? {}) }
  if (p.keys != null) p.keys = keyTries(t, p.keys)
  if (p.kind != null) p.kind = transferKind(t, p.kind)
  return t(`flowsim.notes.${note.code}`, p)
}

// outcomeText says how a run ended: kind, where to, at which node, why.
export function outcomeText(t: T, o: Outcome | undefined): string {
  if (!o?.kind) return ''
  let s = outcomeKinds.includes(o.kind) ? t(`flowsim.kinds.${o.kind}`) : o.kind
  if (o.transfer) s += ` ${transferKind(t, o.transfer.kind)} ${o.transfer.target ?? ''}`
  if (o.mailbox) s += ` ${t('flowsim.mailbox', { mailbox: o.mailbox })}`
  if (o.node) s += ` @ ${o.node}`
  const why = noteText(t, o.reason_note, o.reason ?? '')
  if (why) s += ` (${why})`
  return s
}
