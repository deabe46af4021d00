// QA settings (appeal window, ASR server) and phrase rules (keywords and
// forbidden phrases matched on transcripts), for QA leads and admins.
import { useState } from 'react'
import { Alert, App, Button, Card, Form, Input, InputNumber, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { errText } from './errors'

export function SettingsPage() {
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <SettingsCard />
      <PhraseRulesCard />
    </Space>
  )
}

function SettingsCard() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const settings = useQuery({ queryKey: ['qa', 'settings'], queryFn: () => unwrap(client.GET('/api/v1/qa/settings')) })
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  if (!settings.data) return <Card loading title={t('qa.settings.title')} />
  const save = async () => {
    setErr('')
    const v = await form.validateFields()
    try {
      await unwrap(client.PUT('/api/v1/qa/settings', { body: { appeal_days: v.appeal_days, asr_url: v.asr_url ?? '', asr_model: v.asr_model ?? '', asr_key: v.asr_key || undefined, asr_key_set: false } }))
      message.success(t('qa.settings.saved'))
      form.setFieldValue('asr_key', '')
      qc.invalidateQueries({ queryKey: ['qa', 'settings'] })
    } catch (e) {
      setErr(errText(e))
    }
  }
  return (
    <Card title={t('qa.settings.title')}>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical" style={{ maxWidth: 560 }} initialValues={{ appeal_days: settings.data.appeal_days, asr_url: settings.data.asr_url, asr_model: settings.data.asr_model }}>
        <Form.Item name="appeal_days" label={t('qa.settings.appealDays')} extra={t('qa.settings.appealDaysHint')} rules={[{ required: true, message: t('qa.required') }]}>
          <InputNumber min={1} max={365} addonAfter={t('qa.settings.days')} />
        </Form.Item>
        <Form.Item name="asr_url" label={t('qa.settings.asrURL')} extra={t('qa.settings.asrHint')}><Input placeholder="http://asr.example:8000/v1/audio/transcriptions" /></Form.Item>
        <Form.Item name="asr_model" label={t('qa.settings.asrModel')}><Input placeholder="whisper-1" /></Form.Item>
        <Form.Item name="asr_key" label={t('qa.settings.asrKey')} extra={settings.data.asr_key_set ? t('qa.settings.asrKeySet') : t('qa.settings.asrKeyUnset')}><Input.Password autoComplete="new-password" /></Form.Item>
        <Button type="primary" onClick={save}>{t('qa.settings.save')}</Button>
      </Form>
    </Card>
  )
}

function PhraseRulesCard() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const rules = useQuery({ queryKey: ['qa', 'phrase-rules'], queryFn: () => unwrap(client.GET('/api/v1/qa/phrase-rules')) })
  const [form] = Form.useForm()
  const [err, setErr] = useState('')
  const add = async () => {
    setErr('')
    const v = await form.validateFields()
    const phrases = String(v.phrases ?? '').split('\n').map((x) => x.trim()).filter(Boolean)
    try {
      const r = await unwrap(client.POST('/api/v1/qa/phrase-rules', { body: { name: v.name, kind: v.kind, channel: v.channel ?? '', phrases } }))
      message.success(t('qa.phrases.saved', { name: r.name }))
      form.resetFields()
      qc.invalidateQueries({ queryKey: ['qa', 'phrase-rules'] })
    } catch (e) {
      setErr(errText(e))
    }
  }
  const remove = async (id: string) => {
    try {
      await unwrap(client.DELETE('/api/v1/qa/phrase-rules/{id}', { params: { path: { id } } }))
      qc.invalidateQueries({ queryKey: ['qa', 'phrase-rules'] })
    } catch (e) {
      setErr(errText(e))
    }
  }
  return (
    <Card title={t('qa.phrases.title')}>
      <Typography.Paragraph type="secondary">{t('qa.phrases.hint')}</Typography.Paragraph>
      <Table rowKey="id" size="small" pagination={false} loading={rules.isLoading} dataSource={rules.data ?? []}
        columns={[
          { title: t('qa.phrases.name'), dataIndex: 'name' },
          { title: t('qa.phrases.id'), dataIndex: 'id', render: (v: string) => <Typography.Text code copyable>{v}</Typography.Text> },
          { title: t('qa.phrases.kind'), render: (_, r) => <Tag color={r.kind === 'forbidden' ? 'red' : 'blue'}>{t(`qa.phrases.${r.kind}`)}</Tag> },
          { title: t('qa.phrases.phrases'), render: (_, r) => (r.phrases ?? []).map((p) => <Tag key={p}>{p}</Tag>) },
          { title: '', render: (_, r) => <Popconfirm title={t('qa.phrases.confirmDelete', { name: r.name })} onConfirm={() => remove(r.id ?? '')} okText={t('qa.yes')} cancelText={t('qa.no')}><Button size="small" danger>{t('qa.phrases.delete')}</Button></Popconfirm> },
        ]} />
      <Typography.Title level={5} style={{ marginTop: 16 }}>{t('qa.phrases.new')}</Typography.Title>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical" style={{ maxWidth: 560 }} initialValues={{ kind: 'keyword' }}>
        <Form.Item name="name" label={t('qa.phrases.name')} rules={[{ required: true, message: t('qa.required') }]}><Input /></Form.Item>
        <Form.Item name="kind" label={t('qa.phrases.kind')}>
          <Select options={['keyword', 'forbidden'].map((k) => ({ value: k, label: t(`qa.phrases.${k}`) }))} />
        </Form.Item>
        <Form.Item name="phrases" label={t('qa.phrases.phrases')} extra={t('qa.phrases.phrasesHint')} rules={[{ required: true, message: t('qa.required') }]}><Input.TextArea rows={3} /></Form.Item>
        <Button type="primary" onClick={add}>{t('qa.phrases.add')}</Button>
      </Form>
    </Card>
  )
}
