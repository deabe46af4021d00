import { ApiError } from '../lib/api'

// errText is what a failed request tells the user: the API's message with
// the field it names.
export function errText(e: unknown): string {
  if (e instanceof ApiError) return e.field ? `${e.message} (${e.field})` : e.message
  return String((e as Error)?.message ?? e)
}
