// Form <-> API mapping of the campaigns page (CampaignsPage.tsx). The form
// edits a few settings (docs/outbound.md, "Settings"); every other setting of
// a loaded campaign (window, retry rules, script, dispositions, broadcast…)
// is sent back untouched. Empty strings and numbers are sent as absent (the
// API's defaults).
import type { Schemas } from '../lib/api'

type Campaign = Schemas['campaign.Campaign']
type Settings = Schemas['campaign.Settings']
type Body = Schemas['api.campaignBody']

export const campaignTypes = ['preview', 'progressive', 'predictive', 'ivr_broadcast']
export const complianceProfiles = ['cn', 'us', 'uk', 'custom']

// The settings the form edits; the rest is kept from the loaded campaign.
export const editedSettings = ['queue_id', 'caller_id_pool', 'schedule_id', 'timezone', 'max_attempts', 'max_attempts_per_day', 'mask_numbers', 'compliance', 'abandon_cap_pct'] as const

export type CampaignForm = {
  id?: string
  name?: string
  type?: string
  settings?: Pick<Settings, (typeof editedSettings)[number]>
}

const str = (s?: string | null) => {
  const v = (s ?? '').trim()
  return v ? v : undefined
}
const num = (n?: number | null) => (n == null || Number.isNaN(Number(n)) ? undefined : Number(n))

export function campaignToForm(c: Campaign): CampaignForm {
  const s = c.settings ?? {}
  const settings: CampaignForm['settings'] = {}
  for (const k of editedSettings) (settings as Record<string, unknown>)[k] = s[k]
  settings.mask_numbers = !!s.mask_numbers
  return { id: c.id, name: c.name, type: c.type, settings }
}

// campaignBody merges the form into the loaded campaign's settings (none for
// a new campaign).
export function campaignBody(v: CampaignForm, loaded?: Campaign): Body {
  const f = v.settings ?? {}
  const settings: Settings = {
    ...(loaded?.settings ?? {}),
    queue_id: str(f.queue_id),
    caller_id_pool: str(f.caller_id_pool),
    schedule_id: str(f.schedule_id),
    timezone: str(f.timezone),
    max_attempts: num(f.max_attempts),
    max_attempts_per_day: num(f.max_attempts_per_day),
    mask_numbers: !!f.mask_numbers,
    compliance: str(f.compliance),
    abandon_cap_pct: num(f.abandon_cap_pct),
  }
  for (const k of Object.keys(settings) as (keyof Settings)[]) if (settings[k] === undefined) delete settings[k]
  return { id: str(v.id), name: str(v.name), type: str(v.type), settings }
}

// progressDone is the leads no longer open (done, exhausted, dnc, skipped)
// over all leads of a progress answer.
export function progressDone(p: Schemas['campaign.Progress']): { done: number; total: number } {
  const total = p.leads ?? 0
  const by = p.by_status ?? {}
  const open = (by.pending ?? 0) + (by.dialing ?? 0) + (by.preview ?? 0)
  return { done: Math.max(0, total - open), total }
}
