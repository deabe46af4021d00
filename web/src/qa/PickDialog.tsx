// Sending a call to QA by hand with a reason (supervisors, QA leads,
// admins): from the tasks page (any call id) or a call's detail page.
import { useState } from 'react'
import { Alert, App, Button, Form, Input, Modal, Select } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { errText } from './errors'
import { useDirectory } from './directory'

// mayPick tells whether the caller may send calls to QA (the API decides
// per call: a supervisor only for their queues).
export function useMayPick() {
  const me = useQuery({ queryKey: ['qa', 'me'], queryFn: () => unwrap(client.GET('/api/v1/qa/me')), retry: false })
  return !!me.data && (me.data.lead || me.data.role === 'supervisor' || me.data.role === 'admin')
}

export function PickButton({ callId }: { callId?: string }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  return (
    <>
      <Button onClick={() => setOpen(true)}>{t('qa.pick.button')}</Button>
      {open && <PickDialog callId={callId} onClose={() => setOpen(false)} />}
    </>
  )
}

function PickDialog({ callId, onClose }: { callId?: string; onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const dir = useDirectory()
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const submit = async () => {
    setErr('')
    const v = await form.validateFields()
    try {
      await unwrap(client.POST('/api/v1/qa/picks', { body: { call_id: callId ?? String(v.call_id).trim(), reason: v.reason, assignee: v.assignee } }))
      message.success(t('qa.pick.sent'))
      qc.invalidateQueries({ queryKey: ['qa'] })
      onClose()
    } catch (e) {
      setErr(errText(e))
    }
  }
  const qaUsers = (dir.data?.users ?? []).filter((u) => u.role !== 'agent')
  return (
    <Modal open title={t('qa.pick.title')} onCancel={onClose} onOk={submit} okText={t('qa.pick.send')} cancelText={t('qa.cancel')}>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical">
        {callId ? (
          <Form.Item label={t('qa.pick.call')}><Input value={callId} disabled /></Form.Item>
        ) : (
          <Form.Item name="call_id" label={t('qa.pick.call')} extra={t('qa.pick.callHint')} rules={[{ required: true, message: t('qa.required') }]}><Input /></Form.Item>
        )}
        <Form.Item name="reason" label={t('qa.pick.reason')} rules={[{ required: true, message: t('qa.required') }]}><Input.TextArea rows={2} /></Form.Item>
        <Form.Item name="assignee" label={t('qa.pick.assignee')} rules={[{ required: true, message: t('qa.required') }]}>
          <Select options={qaUsers.map((u) => ({ value: u.id, label: `${u.display_name || u.username} (${u.role})` }))} />
        </Form.Item>
      </Form>
    </Modal>
  )
}
