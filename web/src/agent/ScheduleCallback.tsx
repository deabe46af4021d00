import { App as AntApp, Form, Input, Modal, Segmented, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useQueryClient } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { useTimezone } from '../lib/hooks'
import { errorText, live } from '../lib/live'
import { zonedToISO } from './callbacks'

// ScheduleCallback: "call back at …" — a scheduled call-back (预约回呼) of a
// number (after a call: the caller, linked to the call) or a campaign lead,
// owned by the agent or the queue. The time is read in the tenant's zone.
// graceMs is how long the call-back stays the agent's after it is due (the
// lead's campaign's callback_grace_ms; default 15 minutes).
export function ScheduleCallback({ open, number, callId, leadId, graceMs, onClose }: { open: boolean; number?: string; callId?: string; leadId?: number; graceMs?: number; onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const tz = useTimezone()
  const qc = useQueryClient()
  const [form] = Form.useForm<{ number: string; due: string; owner: 'me' | 'queue'; note: string }>()
  const [busy, setBusy] = useState(false)
  const submit = async () => {
    const v = await form.validateFields()
    const due = zonedToISO(v.due, tz || 'UTC')
    if (!due) {
      form.setFields([{ name: 'due', errors: [t('callbacks.schedule.badTime')] }])
      return
    }
    setBusy(true)
    try {
      await unwrap(
        client.POST('/api/v1/callbacks', {
          body: { due_at: due, owner: v.owner, note: v.note || undefined, ...(leadId ? { lead_id: leadId } : { number: v.number }), call_id: callId || undefined },
        }),
      )
      message.success(live((t) => t('callbacks.schedule.done')))
      await qc.invalidateQueries({ queryKey: ['callbacks'] })
      form.resetFields()
      onClose()
    } catch (e) {
      message.error(live((t) => errorText(t, e)))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal open={open} title={t('callbacks.schedule.title')} okText={t('callbacks.schedule.ok')} onOk={() => void submit()} confirmLoading={busy} onCancel={onClose} destroyOnClose>
      {/* Named: its fields' ids must not clash with another form on the page (the campaign result's note). */}
      <Form form={form} name="schedule-callback" layout="vertical" initialValues={{ number: number ?? '', owner: 'me', due: '', note: '' }} preserve={false}>
        {!leadId && (
          <Form.Item name="number" label={t('callbacks.number')} rules={[{ required: true, message: t('callbacks.schedule.numberRequired') }]}>
            <Input autoComplete="off" />
          </Form.Item>
        )}
        <Form.Item name="due" label={t('callbacks.schedule.due', { tz: tz || 'UTC' })} rules={[{ required: true, message: t('callbacks.schedule.dueRequired') }]}>
          <Input type="datetime-local" aria-label={t('callbacks.schedule.due', { tz: tz || 'UTC' })} />
        </Form.Item>
        <Form.Item name="owner" label={t('callbacks.schedule.owner')} extra={<Typography.Text type="secondary">{t('callbacks.schedule.grace', { minutes: Math.round((graceMs || 15 * 60_000) / 60_000) })}</Typography.Text>}>
          <Segmented options={[{ value: 'me', label: t('callbacks.schedule.ownerMe') }, { value: 'queue', label: t('callbacks.schedule.ownerQueue') }]} />
        </Form.Item>
        <Form.Item name="note" label={t('callbacks.schedule.note')}>
          <Input maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  )
}
