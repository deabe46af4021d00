// Requests the typed client cannot make: CSV bodies and file downloads.
import { ApiError } from '../lib/api'
import { getSession } from '../lib/session'

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const s = getSession()
  return { ...(s ? { Authorization: `Bearer ${s.token}` } : {}), ...extra }
}

async function fail(res: Response): Promise<never> {
  let body: { error?: { code?: string; message?: string; field?: string } } | undefined
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? res.statusText, body?.error?.field)
}

// postCSV sends a CSV file to an import route and answers its JSON.
export async function postCSV<T>(path: string, text: string): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'Content-Type': 'text/csv' }), body: text })
  if (!res.ok) return fail(res)
  return (await res.json()) as T
}

// download fetches path with the session's token and saves it as filename.
export async function download(path: string, filename: string, accept = 'text/csv') {
  const res = await fetch(path, { headers: headers({ Accept: accept }) })
  if (!res.ok) return fail(res)
  saveBlob(await res.blob(), filename)
}

export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
