// The work-order type's SMS (crm.SMSNotify, docs/sms.md "Work-order SMS")
// as the type editor's form holds it, and back. The API checks the values
// and fills its defaults; these helpers only move them between shapes.
import type { NamePath } from '../admin/errors'
import type { Schemas } from '../lib/api'

export type SMSNotify = Schemas['crm.SMSNotify']

// The changes a type's SMS may be sent on (crm.SMSReasons), and the API's
// defaults for a type that names none.
export const smsReasons = ['created', 'status', 'assigned', 'updated', 'commented', 'attached', 'notified', 'escalated', 'reassigned', 'sla_breached'] as const
export const defaultSmsTemplate = 'workorder_update'
export const defaultSmsOn = ['created', 'status']

// SmsForm is the form's value: recipients as one checkbox group, so one
// field carries the API's "send to the customer, the assignee or both".
export type SmsForm = { enabled: boolean; template: string; on: string[]; to: ('customer' | 'assignee')[] }

export function smsForm(n?: SMSNotify | null): SmsForm {
  if (!n) return { enabled: false, template: defaultSmsTemplate, on: [...defaultSmsOn], to: ['customer'] }
  const to: SmsForm['to'] = []
  if (n.customer) to.push('customer')
  if (n.assignee) to.push('assignee')
  return { enabled: true, template: n.template || defaultSmsTemplate, on: n.on?.length ? [...n.on] : [...defaultSmsOn], to }
}

// smsOf is what the type's "sms" becomes: undefined (no SMS) when the
// editor's switch is off. Nothing is checked here: the API says what is wrong.
export function smsOf(f?: Partial<SmsForm>): SMSNotify | undefined {
  if (!f?.enabled) return undefined
  return { template: f.template ?? '', on: f.on ?? [], customer: !!f.to?.includes('customer'), assignee: !!f.to?.includes('assignee') }
}

// splitType takes a stored type apart for the editor: the JSON text of
// everything but "sms" (which the form edits), and the sms.
export function splitType(cfg: Record<string, unknown>): { json: string; sms?: SMSNotify } {
  const { sms, ...rest } = cfg
  return { json: JSON.stringify(rest, null, 2), sms: (sms as SMSNotify | null | undefined) ?? undefined }
}

// withSms puts the form's sms into the type the JSON text describes (the
// form wins over an "sms" typed into the JSON).
export function withSms<T extends Record<string, unknown>>(cfg: T, sms?: SMSNotify): T & { sms?: SMSNotify } {
  const { sms: _typed, ...rest } = cfg
  return (sms ? { ...rest, sms } : rest) as T & { sms?: SMSNotify }
}

// smsErrorField maps the API's error field to the form's: "sms" (no
// recipient), "sms.customer" and "sms.assignee" are the recipients'
// checkbox group; "sms.on[2]" the changes; other fields are not the form's.
export function smsErrorField(field: string): NamePath | undefined {
  if (field === 'sms' || field === 'sms.customer' || field === 'sms.assignee') return ['sms', 'to']
  if (field === 'sms.template') return ['sms', 'template']
  if (field.startsWith('sms.on')) return ['sms', 'on']
  return undefined
}

// smsRecipients are the recipients of a type's SMS, for the types table.
export function smsRecipients(n?: SMSNotify | null): ('customer' | 'assignee')[] {
  return n ? smsForm(n).to : []
}
