import { useEffect, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from './api'
import { useSession } from './session'

// useNow ticks every interval ms (time in state, countdowns).
export function useNow(interval = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), interval)
    return () => clearInterval(t)
  }, [interval])
  return now
}

// useMe is who is signed in, with the tenant's time zone and devices.
export function useMe() {
  const s = useSession()
  return useQuery({
    queryKey: ['me', s?.user.id],
    queryFn: () => unwrap(client.GET('/api/v1/me')),
    enabled: !!s,
    staleTime: 60_000,
  })
}

export function useTimezone(): string {
  return useMe().data?.timezone || 'UTC'
}
