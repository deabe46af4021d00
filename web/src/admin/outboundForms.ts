// Form <-> API mapping of the outbound routing pages (OutboundPages.tsx).
// The forms show "enabled" switches where the API keeps "disabled", show the
// defaults the API applies when a list is absent, and send empty lists and
// strings as absent (the API's "any" or "default").
import type { Schemas } from '../lib/api'

type Trunk = Schemas['outroute.Trunk']
type Route = Schemas['outroute.Route']
type Pool = Schemas['outroute.Pool']
type Settings = Schemas['outroute.Settings']

export const numberTypes = ['mobile', 'landline', 'service', 'international']
export const outboundSources = ['campaign', 'click_to_dial', 'transfer']
// As outroute.DefaultAllowedTypes and outroute.DefaultBlockedPrefixes.
export const defaultAllowedTypes = ['mobile', 'landline', 'service']
export const defaultBlockedPrefixes = ['+870', '+881', '+882', '+883', '+979', '160', '168']
// The default failover causes (docs/outbound.md, "Failover"), offered when a
// route replaces them.
export const defaultFailoverCauses = [
  'NORMAL_CIRCUIT_CONGESTION',
  'SWITCH_CONGESTION',
  'NORMAL_TEMPORARY_FAILURE',
  'NETWORK_OUT_OF_ORDER',
  'NO_ROUTE_TRANSIT_NET',
  'NO_ROUTE_DESTINATION',
  'REQUESTED_CHAN_UNAVAIL',
  'RESOURCE_UNAVAILABLE',
  'RECOVERY_ON_TIMER_EXPIRE',
  'GATEWAY_DOWN',
  'INVALID_GATEWAY',
]

const str = (s?: string | null) => {
  const v = (s ?? '').trim()
  return v ? v : undefined
}
const list = (l?: (string | null | undefined)[] | null) => {
  const v = (l ?? []).map((x) => (x ?? '').trim()).filter(Boolean)
  return v.length ? v : undefined
}
const num = (n?: number | null) => (n == null || Number.isNaN(Number(n)) ? undefined : Number(n))

export type TrunkForm = Omit<Trunk, 'disabled'> & { enabled?: boolean }

export function trunkBody(v: TrunkForm): Trunk {
  return { id: str(v.id), name: str(v.name), gateway: str(v.gateway), switch: str(v.switch), channels: num(v.channels), cps: num(v.cps), disabled: v.enabled === false }
}

export type RouteForm = Omit<Route, 'disabled'> & { enabled?: boolean }

export function routeToForm(r: Route): RouteForm {
  const { disabled, ...rest } = r
  return {
    ...rest,
    enabled: !disabled,
    match: { types: [], prefixes: [], sources: [], campaigns: [], queues: [], agents: [], ...r.match },
    rewrite: { format: 'national', ...r.rewrite },
    trunks: r.trunks ?? [],
    failover_causes: r.failover_causes ?? [],
  }
}

export function routeBody(v: RouteForm): Route {
  const m = v.match ?? {}
  const match = {
    types: list(m.types),
    prefixes: list(m.prefixes),
    sources: list(m.sources),
    campaigns: list(m.campaigns),
    queues: list(m.queues),
    agents: list(m.agents),
    schedule_id: str(m.schedule_id),
  }
  const w = v.rewrite ?? {}
  const format = str(w.format)
  const rewrite = { format: format === 'national' ? undefined : format, strip: str(w.strip), prepend: str(w.prepend) }
  const some = (o: object) => Object.values(o).some((x) => x !== undefined)
  return {
    id: str(v.id),
    name: str(v.name),
    priority: num(v.priority),
    match: some(match) ? match : undefined,
    rewrite: some(rewrite) ? rewrite : undefined,
    // Kept as given (empty ids included) so that the API's "trunks[1]" names
    // the trunk the admin chose.
    trunks: v.trunks ?? [],
    caller_id_pool: str(v.caller_id_pool),
    failover_causes: list(v.failover_causes),
    disabled: v.enabled === false,
  }
}

export function poolBody(v: Pool): Pool {
  // Rows left wholly empty are dropped; the others keep their place so that
  // "numbers[2].number" is the third row of the form.
  const rows = v.numbers ?? []
  let last = rows.length
  while (last > 0 && !str(rows[last - 1]?.number) && !str(rows[last - 1]?.area)) last--
  return {
    id: str(v.id),
    name: str(v.name),
    local_presence: v.local_presence !== false,
    numbers: rows.slice(0, last).map((n) => ({ number: (n?.number ?? '').trim(), area: str(n?.area) })),
  }
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x))

// settingsToForm shows the defaults the API applies to absent lists.
export function settingsToForm(s: Settings): Settings {
  return { ...s, allowed_types: s.allowed_types?.length ? s.allowed_types : defaultAllowedTypes, allowed_countries: s.allowed_countries ?? [], blocked_prefixes: s.blocked_prefixes ?? defaultBlockedPrefixes, max_concurrent: s.max_concurrent ?? 0, max_cps: s.max_cps ?? 0 }
}

// settingsBody sends the lists as edited; the default blocked prefixes are
// sent as absent (so that later changes of the defaults apply) and an
// emptied list as [] (block none).
export function settingsBody(v: Settings): Settings {
  const blocked = (v.blocked_prefixes ?? []).map((x) => x.trim()).filter(Boolean)
  return {
    allowed_types: list(v.allowed_types),
    allowed_countries: list(v.allowed_countries),
    blocked_prefixes: sameSet(blocked, defaultBlockedPrefixes) ? undefined : blocked,
    max_concurrent: num(v.max_concurrent),
    max_cps: num(v.max_cps),
    caller_id_pool: str(v.caller_id_pool),
  }
}
