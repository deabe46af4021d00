// Times and durations, always in the tenant's time zone.
import i18n from './i18n'

export function fmtDuration(ms: number | undefined | null): string {
  if (ms == null || !isFinite(ms) || ms < 0) return '–'
  const s = Math.floor(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const pad = (n: number) => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`
}

function locale(): string {
  return i18n.language === 'en' ? 'en-GB' : 'zh-CN'
}

export function fmtTime(iso: string | undefined | null, tz?: string): string {
  if (!iso) return '–'
  const d = new Date(iso)
  if (isNaN(d.getTime()) || d.getFullYear() < 1970) return '–'
  return new Intl.DateTimeFormat(locale(), { timeZone: tz || 'UTC', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d)
}

export function fmtDateTime(iso: string | undefined | null, tz?: string): string {
  if (!iso) return '–'
  const d = new Date(iso)
  if (isNaN(d.getTime()) || d.getFullYear() < 1970) return '–'
  return new Intl.DateTimeFormat(locale(), {
    timeZone: tz || 'UTC',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d)
}

export function fmtPercent(x: number | undefined | null): string {
  if (x == null || !isFinite(x)) return '–'
  return `${Math.round(x * 100)}%`
}

// since is the time elapsed from iso to now, in ms.
export function since(iso: string | undefined | null, now: number): number {
  if (!iso) return 0
  const t = new Date(iso).getTime()
  return isNaN(t) ? 0 : Math.max(0, now - t)
}
