import { useEffect, useMemo, useState, type ReactNode } from 'react'
import { AutoComplete, Form, Modal, Segmented, Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'

export type TargetMode = 'transfer' | 'consult' | 'help' | 'flow'

const kindsFor: Record<TargetMode, string[]> = {
  transfer: ['agent', 'queue', 'flow', 'extension', 'external'],
  consult: ['agent', 'extension', 'external'],
  help: ['agent', 'extension'],
  flow: ['flow'],
}

type Props = {
  mode: TargetMode | null
  queues: string[]
  onCancel: () => void
  onSubmit: (mode: TargetMode, kind: string, target: string) => Promise<void>
}

// TargetDialog picks where a call goes: an agent (with who is free), a
// queue, an IVR flow, an extension or an outside number.
export function TargetDialog({ mode, queues, onCancel, onSubmit }: Props) {
  const { t } = useTranslation()
  const kinds = mode ? kindsFor[mode] : []
  const [kind, setKind] = useState<string>(kinds[0] ?? 'agent')
  const [target, setTarget] = useState('')
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    if (mode) {
      setKind(kindsFor[mode][0])
      setTarget('')
    }
  }, [mode])
  const colleagues = useQuery({
    queryKey: ['agent', 'colleagues'],
    queryFn: () => unwrap(client.GET('/api/v1/agent/colleagues')),
    enabled: !!mode && kind === 'agent',
    refetchInterval: mode ? 5_000 : false,
  })
  const options = useMemo((): { value: string; label: ReactNode; search?: string }[] => {
    if (kind === 'agent') {
      return (colleagues.data ?? [])
        .filter((c) => c.state !== 'logged-out')
        .map((c) => ({
          value: c.agent_id ?? '',
          search: `${c.name ?? ''} ${c.work_number ?? ''}`,
          label: (
            <span>
              {c.name} {c.work_number ? `(${c.work_number})` : ''}{' '}
              <Tag color={c.state === 'available' ? 'green' : 'default'}>{c.state === 'available' ? t('transfer.free') : t(`state.${c.state}`)}</Tag>
            </span>
          ),
        }))
    }
    if (kind === 'queue') return queues.map((q) => ({ value: q, label: q }))
    return []
  }, [kind, colleagues.data, queues, t])
  const title = { transfer: t('transfer.title'), consult: t('transfer.consultTitle'), help: t('transfer.helpTitle'), flow: t('transfer.flowTitle') }[mode ?? 'transfer']
  const ok = { transfer: t('transfer.submit'), consult: t('transfer.submitConsult'), help: t('transfer.submitHelp'), flow: t('transfer.submitFlow') }[mode ?? 'transfer']
  return (
    <Modal
      open={!!mode}
      title={title}
      okText={ok}
      confirmLoading={busy}
      okButtonProps={{ disabled: !target.trim() }}
      onCancel={onCancel}
      onOk={async () => {
        if (!mode) return
        setBusy(true)
        try {
          await onSubmit(mode, kind, target.trim())
        } finally {
          setBusy(false)
        }
      }}
      destroyOnClose
    >
      <Form layout="vertical">
        {kinds.length > 1 && (
          <Form.Item label={t('transfer.kind')}>
            <Segmented
              value={kind}
              onChange={(v) => {
                setKind(String(v))
                setTarget('')
              }}
              options={kinds.map((k) => ({ value: k, label: t(`transfer.kinds.${k}`) }))}
            />
          </Form.Item>
        )}
        <Form.Item label={t('transfer.target')}>
          <AutoComplete aria-label={t('transfer.target')} value={target} onChange={setTarget} options={options} placeholder={t('transfer.pickTarget')} autoFocus filterOption={(input, o) => !input || String(o?.value ?? '').toLowerCase().includes(input.toLowerCase()) || String((o as { search?: string })?.search ?? '').toLowerCase().includes(input.toLowerCase())} />
        </Form.Item>
      </Form>
    </Modal>
  )
}
