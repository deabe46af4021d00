// Maps the API's one error shape {"error":{"code","message","field"}} onto
// an Ant Design form: the message goes to the field the API named (or the
// nearest enclosing field the form has), and is returned for a banner.
import type { FormInstance } from 'antd'
import { ApiError } from '../lib/api'

export type NamePath = (string | number)[]

// fieldPath splits an API field such as "holidays[0].from" or
// "limits.max_wait_ms" into a form name path.
export function fieldPath(field: string): NamePath {
  const out: NamePath = []
  for (const part of field.split('.')) {
    const m = part.match(/^([^[]*)((\[\d+\])*)$/)
    if (!m) {
      out.push(part)
      continue
    }
    if (m[1]) out.push(m[1])
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]))
  }
  return out
}

// applyApiError puts the error on the named field, trying the full path then
// shorter ones ("weekly.monday[1]" → weekly.monday), through alias when the
// form names the field differently. It answers the path used, or null when
// no field of the form matched (the caller shows the message anyway).
export function applyApiError(form: FormInstance, err: unknown, alias?: (field: string) => NamePath | undefined): NamePath | null {
  if (!(err instanceof ApiError) || !err.field) return null
  const full = alias?.(err.field) ?? fieldPath(err.field)
  for (let n = full.length; n > 0; n--) {
    const name = full.slice(0, n)
    form.setFields([{ name, errors: [err.message] }])
    if (form.getFieldError(name).length > 0) return name
  }
  return null
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.field ? `${err.message}` : err.message
  return err instanceof Error ? err.message : String(err)
}
