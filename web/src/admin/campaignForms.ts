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
  const f = (v.settings ?? {}) as Record<string, unknown>
  const norm: Record<string, (x: never) => unknown> = {
    queue_id: str,
    caller_id_pool: str,
    schedule_id: str,
    timezone: str,
    compliance: str,
    max_attempts: num,
    max_attempts_per_day: num,
    abandon_cap_pct: num,
    mask_numbers: (x: boolean | undefined) => !!x,
  }
  const settings: Record<string, unknown> = { ...(loaded?.settings ?? {}) }
  // A field the form does not show (the predictive ones of other types)
  // keeps the loaded value; a shown, cleared one is sent as absent.
  for (const k of editedSettings) if (k in f) settings[k] = norm[k](f[k] as never)
  for (const k of Object.keys(settings)) if (settings[k] === undefined) delete settings[k]
  return { id: str(v.id), name: str(v.name), type: str(v.type), settings: settings as Settings }
}

// progressDone is the leads no longer open (done, exhausted, dnc, skipped)
// over all leads of a progress answer.
export function progressDone(p: Schemas['campaign.Progress']): { done: number; total: number } {
  const total = p.leads ?? 0
  const by = p.by_status ?? {}
  const open = (by.pending ?? 0) + (by.dialing ?? 0) + (by.preview ?? 0)
  return { done: Math.max(0, total - open), total }
}
