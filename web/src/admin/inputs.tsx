// Small form inputs shared by the admin pages. Each keeps the API's own
// value in the form (milliseconds, RFC 3339, {kind, ref}) so that the API's
// field names map straight onto the form.
import { AutoComplete, DatePicker, InputNumber, Select, Space } from 'antd'
import dayjs from 'dayjs'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'

// MsInput edits a duration kept in milliseconds, shown in seconds.
export function MsInput({ value, onChange, id, disabled }: { value?: number; onChange?: (v: number | undefined) => void; id?: string; disabled?: boolean }) {
  const { t } = useTranslation()
  return (
    <InputNumber
      id={id}
      disabled={disabled}
      style={{ width: 180 }}
      min={0}
      step={1}
      addonAfter={t('admin.seconds')}
      value={value == null ? undefined : value / 1000}
      onChange={(v) => onChange?.(v == null ? undefined : Math.round(Number(v) * 1000))}
    />
  )
}

// TimeInput edits an RFC 3339 time (or empty).
export function TimeInput({ value, onChange, id, disabled }: { value?: string; onChange?: (v: string | undefined) => void; id?: string; disabled?: boolean }) {
  return (
    <DatePicker
      id={id}
      disabled={disabled}
      showTime
      value={value ? dayjs(value) : null}
      onChange={(d) => onChange?.(d ? d.toISOString() : undefined)}
    />
  )
}

// DateInput edits a "YYYY-MM-DD" date.
export function DateInput({ value, onChange, id, disabled }: { value?: string; onChange?: (v: string | undefined) => void; id?: string; disabled?: boolean }) {
  return <DatePicker id={id} disabled={disabled} value={value ? dayjs(value) : null} onChange={(d) => onChange?.(d ? d.format('YYYY-MM-DD') : undefined)} />
}

// TagsInput edits a list of strings.
export function TagsInput({ value, onChange, id, disabled, placeholder }: { value?: string[]; onChange?: (v: string[]) => void; id?: string; disabled?: boolean; placeholder?: string }) {
  return <Select id={id} disabled={disabled} mode="tags" open={false} tokenSeparators={[',', ' ']} value={value ?? []} onChange={onChange} placeholder={placeholder} style={{ width: '100%' }} />
}

export function useQueues() {
  return useQuery({ queryKey: ['admin', 'queues'], queryFn: () => unwrap(client.GET('/api/v1/queues')), staleTime: 10_000 })
}
export function useUsers() {
  return useQuery({ queryKey: ['admin', 'users'], queryFn: () => unwrap(client.GET('/api/v1/users')), staleTime: 10_000 })
}
export function useFlows() {
  return useQuery({ queryKey: ['admin', 'flows-list'], queryFn: () => unwrap(client.GET('/api/v1/flows')), staleTime: 10_000 })
}
export function useSchedules() {
  return useQuery({ queryKey: ['admin', 'schedules'], queryFn: () => unwrap(client.GET('/api/v1/schedules')), staleTime: 10_000 })
}
export function useRoutes() {
  return useQuery({ queryKey: ['admin', 'routes'], queryFn: () => unwrap(client.GET('/api/v1/routes')), staleTime: 10_000 })
}

type Target = { kind?: string; ref?: string; value?: string }

// TargetInput edits where a call goes: {kind, ref} (routing) or {kind,
// value} (queue overflow, refKey="value"). The reference offers the tenant's
// queues, flows or agents for those kinds.
export function TargetInput({
  value,
  onChange,
  id,
  disabled,
  kinds,
  refKey = 'ref',
  optional,
}: {
  value?: Target | null
  onChange?: (v: Target | undefined) => void
  id?: string
  disabled?: boolean
  kinds: string[]
  refKey?: 'ref' | 'value'
  optional?: boolean
}) {
  const { t } = useTranslation()
  const queues = useQueues().data ?? []
  const flows = useFlows().data ?? []
  const users = useUsers().data ?? []
  const kind = value?.kind ?? ''
  const ref = (value?.[refKey] as string | undefined) ?? ''
  const options =
    kind === 'queue'
      ? queues.map((q) => ({ value: q.id ?? '', label: `${q.name} (${q.id})` }))
      : kind === 'flow'
        ? flows.map((f) => ({ value: (f as { id?: string }).id ?? '', label: `${(f as { name?: string }).name ?? ''} (${(f as { id?: string }).id})` }))
        : kind === 'agent'
          ? users.filter((u) => u.role === 'agent').map((u) => ({ value: u.id ?? '', label: `${u.display_name || u.username} (${u.work_number || u.username})` }))
          : []
  const set = (k: string, r: string) => onChange?.(k || !optional ? { kind: k, [refKey]: r } : undefined)
  return (
    <Space.Compact style={{ width: '100%' }} id={id}>
      <Select
        disabled={disabled}
        aria-label={t('admin.target.kind')}
        style={{ width: 150 }}
        value={kind}
        onChange={(k) => set(k, '')}
        options={[...(optional ? [{ value: '', label: t('admin.target.none') }] : []), ...kinds.map((k) => ({ value: k, label: t(`admin.target.kinds.${k}`) }))]}
      />
      <AutoComplete
        disabled={disabled || !kind || kind === 'hangup' && refKey === 'value'}
        aria-label={t('admin.target.ref')}
        style={{ flex: 1 }}
        value={ref}
        options={options}
        filterOption={(input, o) => String(o?.label ?? '').toLowerCase().includes(input.toLowerCase())}
        onChange={(r) => set(kind, r)}
        placeholder={t('admin.target.refHint')}
      />
    </Space.Compact>
  )
}

export function cleanTarget<T extends Target>(v: T | undefined | null): T | undefined {
  return v && v.kind ? v : undefined
}

export function enumOptions(t: (k: string) => string, prefix: string, values: string[]) {
  return values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }))
}
