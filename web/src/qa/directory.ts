import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'

// useDirectory lists the tenant's users and queues for pickers (not agents).
export function useDirectory(enabled = true) {
  return useQuery({ queryKey: ['qa', 'directory'], enabled, queryFn: () => unwrap(client.GET('/api/v1/qa/directory')) })
}

export function nameOf(users: { id?: string; username?: string; display_name?: string }[] | undefined, id: string | undefined): string {
  const u = users?.find((x) => x.id === id)
  return u ? u.display_name || u.username || '' : id ?? ''
}

// R makes the generated schema's optional fields required: the API always
// sends them (Go structs without omitempty).
export type R<T> = { [K in keyof T]-?: Exclude<T[K], undefined> }
