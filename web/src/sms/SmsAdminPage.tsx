// SMS administration (短信管理): providers (HTTP gateway or SMPP), templates
// in zh-CN and en, rules and rate limits, agents' numbers for work-order
// SMS, the opt-out list and the message log with delivery status.
// Supervisors see the log and opt-outs, and the settings read-only.
import { useCallback, useEffect, useState } from 'react'
import { Alert, Button, Checkbox, Form, Input, InputNumber, Popconfirm, Select, Space, Switch, Table, Tabs, Tag, Typography, message } from 'antd'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../lib/api'
import { AgentNumbers } from './AgentNumbers'
import { numberMap, numberRows, rowOfError, type AgentNumberRow } from './agentNumbers'
import { exampleConfig, smsCall, statusColor, type SmsMessage, type SmsOptOut, type SmsProvider, type SmsSettings, type SmsTemplate } from './api'

type FieldError = { field?: string; message: string } | undefined

const purposes = ['missed_call', 'after_hours', 'survey_link', 'verification_code', 'workorder_update', 'voicemail', 'after_call', 'custom']

function errorOf(e: unknown): FieldError {
  const err = e as ApiError
  return { field: err.field, message: err.message }
}

function ErrorAlert({ err, onClose }: { err: FieldError; onClose: () => void }) {
  if (!err) return null
  return <Alert type="error" showIcon closable onClose={onClose} message={err.field ? `${err.field}: ${err.message}` : err.message} data-testid="sms-error" />
}

function Providers() {
  const { t } = useTranslation()
  const [rows, setRows] = useState<SmsProvider[]>([])
  const [err, setErr] = useState<FieldError>()
  const [editing, setEditing] = useState<string | undefined>()
  const [form] = Form.useForm()
  const load = useCallback(async () => {
    try {
      setRows(await smsCall<SmsProvider[]>('GET', '/api/v1/sms/providers'))
    } catch (e) {
      setErr(errorOf(e))
    }
  }, [])
  useEffect(() => {
    void load()
  }, [load])
  const startNew = () => {
    setEditing(undefined)
    form.setFieldsValue({ id: '', kind: 'http', name: '', sender_id: '', is_default: false, enabled: true, config: exampleConfig('http') })
  }
  useEffect(startNew, [form]) // eslint-disable-line react-hooks/exhaustive-deps
  const edit = (p: SmsProvider) => {
    setEditing(p.id)
    form.setFieldsValue({ ...p, config: JSON.stringify(p.config, null, 2) })
  }
  const save = async (v: { id: string; kind: string; name: string; sender_id: string; is_default: boolean; enabled: boolean; config: string }) => {
    setErr(undefined)
    let config: unknown
    try {
      config = JSON.parse(v.config || '{}')
    } catch (e) {
      setErr({ field: 'config', message: (e as Error).message })
      return
    }
    try {
      const body = { id: v.id, kind: v.kind, name: v.name ?? '', sender_id: v.sender_id ?? '', is_default: !!v.is_default, enabled: v.enabled !== false, config }
      if (editing) await smsCall('PUT', `/api/v1/sms/providers/${encodeURIComponent(editing)}`, body)
      else await smsCall('POST', '/api/v1/sms/providers', body)
      message.success(t('admin.saved'))
      startNew()
      void load()
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  const remove = async (id: string) => {
    try {
      await smsCall('DELETE', `/api/v1/sms/providers/${encodeURIComponent(id)}`)
      void load()
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('sms.providers.hint')}</Typography.Paragraph>
      <Table<SmsProvider>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={rows}
        columns={[
          { title: t('sms.providers.id'), dataIndex: 'id' },
          { title: t('sms.providers.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{t(`sms.providers.kind_${k}`)}</Tag> },
          { title: t('sms.providers.sender'), dataIndex: 'sender_id' },
          {
            title: t('sms.providers.state'),
            render: (_, p) => (
              <Space>
                {p.is_default && <Tag color="blue">{t('sms.providers.default')}</Tag>}
                <Tag color={p.enabled ? 'green' : 'default'}>{p.enabled ? t('sms.providers.enabled') : t('sms.providers.disabled')}</Tag>
              </Space>
            ),
          },
          { title: t('sms.providers.reportUrl'), render: (_, p) => (p.report_url ? <Typography.Text copyable code style={{ fontSize: 12 }}>{p.report_url}</Typography.Text> : '—') },
          {
            title: t('admin.actions'),
            render: (_, p) => (
              <Space>
                <Button size="small" onClick={() => edit(p)}>{t('sms.edit')}</Button>
                <Popconfirm title={t('sms.confirmDelete')} onConfirm={() => void remove(p.id)}>
                  <Button size="small" danger>{t('admin.delete')}</Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Typography.Title level={5}>{editing ? t('sms.providers.editTitle', { id: editing }) : t('sms.providers.addTitle')}</Typography.Title>
      <ErrorAlert err={err} onClose={() => setErr(undefined)} />
      <Form form={form} layout="vertical" onFinish={(v) => void save(v)} style={{ maxWidth: 720 }} aria-label={t('sms.providers.addTitle')}>
        <Space wrap>
          <Form.Item name="id" label={t('sms.providers.id')} validateStatus={err?.field === 'id' ? 'error' : undefined}>
            <Input disabled={!!editing} aria-label={t('sms.providers.id')} />
          </Form.Item>
          <Form.Item name="kind" label={t('sms.providers.kind')}>
            <Select
              style={{ width: 160 }}
              aria-label={t('sms.providers.kind')}
              options={['http', 'smpp'].map((k) => ({ value: k, label: t(`sms.providers.kind_${k}`) }))}
              onChange={(k: string) => !editing && form.setFieldValue('config', exampleConfig(k))}
            />
          </Form.Item>
          <Form.Item name="name" label={t('sms.providers.name')}>
            <Input aria-label={t('sms.providers.name')} />
          </Form.Item>
          <Form.Item name="sender_id" label={t('sms.providers.sender')}>
            <Input aria-label={t('sms.providers.sender')} />
          </Form.Item>
        </Space>
        <Space>
          <Form.Item name="is_default" valuePropName="checked">
            <Checkbox>{t('sms.providers.default')}</Checkbox>
          </Form.Item>
          <Form.Item name="enabled" valuePropName="checked">
            <Checkbox>{t('sms.providers.enabled')}</Checkbox>
          </Form.Item>
        </Space>
        <Form.Item name="config" label={t('sms.providers.config')} extra={t('sms.providers.configHint')} validateStatus={err?.field?.startsWith('config') ? 'error' : undefined}>
          <Input.TextArea rows={12} spellCheck={false} style={{ fontFamily: 'monospace', fontSize: 12 }} aria-label={t('sms.providers.config')} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit">{t('admin.save')}</Button>
          {editing && <Button onClick={startNew}>{t('sms.cancel')}</Button>}
        </Space>
      </Form>
    </Space>
  )
}

function Templates() {
  const { t } = useTranslation()
  const [rows, setRows] = useState<SmsTemplate[]>([])
  const [err, setErr] = useState<FieldError>()
  const [form] = Form.useForm()
  const load = useCallback(async () => {
    try {
      setRows(await smsCall<SmsTemplate[]>('GET', '/api/v1/sms/templates'))
    } catch (e) {
      setErr(errorOf(e))
    }
  }, [])
  useEffect(() => {
    void load()
  }, [load])
  const save = async (v: { name: string; purpose: string; zh: string; en: string }) => {
    setErr(undefined)
    const texts: Record<string, string> = {}
    if (v.zh) texts['zh-CN'] = v.zh
    if (v.en) texts.en = v.en
    try {
      await smsCall('PUT', `/api/v1/sms/templates/${encodeURIComponent(v.name ?? '')}`, { purpose: v.purpose ?? 'custom', texts })
      message.success(t('admin.saved'))
      form.resetFields()
      void load()
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  const defaults = async () => {
    try {
      setRows(await smsCall<SmsTemplate[]>('POST', '/api/v1/sms/templates/defaults'))
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  const remove = async (name: string) => {
    try {
      await smsCall('DELETE', `/api/v1/sms/templates/${encodeURIComponent(name)}`)
      void load()
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('sms.templates.hint')}</Typography.Paragraph>
      <Table<SmsTemplate>
        rowKey="name"
        size="small"
        pagination={false}
        dataSource={rows}
        columns={[
          { title: t('sms.templates.name'), dataIndex: 'name' },
          { title: t('sms.templates.purpose'), dataIndex: 'purpose', render: (p: string) => <Tag>{t(`sms.purpose.${p}`)}</Tag> },
          { title: 'zh-CN', render: (_, r) => r.texts['zh-CN'] ?? '' },
          { title: 'en', render: (_, r) => r.texts.en ?? '' },
          { title: t('sms.templates.variables'), render: (_, r) => r.variables.map((v) => <Tag key={v}>{v}</Tag>) },
          {
            title: t('admin.actions'),
            render: (_, r) => (
              <Space>
                <Button size="small" onClick={() => form.setFieldsValue({ name: r.name, purpose: r.purpose, zh: r.texts['zh-CN'] ?? '', en: r.texts.en ?? '' })}>{t('sms.edit')}</Button>
                <Popconfirm title={t('sms.confirmDelete')} onConfirm={() => void remove(r.name)}>
                  <Button size="small" danger>{t('admin.delete')}</Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Button onClick={() => void defaults()}>{t('sms.templates.addDefaults')}</Button>
      <ErrorAlert err={err} onClose={() => setErr(undefined)} />
      <Form form={form} layout="vertical" onFinish={(v) => void save(v)} style={{ maxWidth: 720 }} initialValues={{ purpose: 'custom' }}>
        <Space wrap>
          <Form.Item name="name" label={t('sms.templates.name')} validateStatus={err?.field === 'name' ? 'error' : undefined}>
            <Input aria-label={t('sms.templates.name')} />
          </Form.Item>
          <Form.Item name="purpose" label={t('sms.templates.purpose')}>
            <Select style={{ width: 200 }} aria-label={t('sms.templates.purpose')} options={purposes.map((p) => ({ value: p, label: t(`sms.purpose.${p}`) }))} />
          </Form.Item>
        </Space>
        <Form.Item name="zh" label={t('sms.templates.textZh')} validateStatus={err?.field === 'texts.zh-CN' ? 'error' : undefined}>
          <Input.TextArea rows={2} aria-label={t('sms.templates.textZh')} />
        </Form.Item>
        <Form.Item name="en" label={t('sms.templates.textEn')} validateStatus={err?.field === 'texts.en' ? 'error' : undefined}>
          <Input.TextArea rows={2} aria-label={t('sms.templates.textEn')} />
        </Form.Item>
        <Button type="primary" htmlType="submit">{t('admin.save')}</Button>
      </Form>
    </Space>
  )
}

function Settings({ readOnly }: { readOnly: boolean }) {
  const { t } = useTranslation()
  const [st, setSt] = useState<SmsSettings | undefined>()
  const [templates, setTemplates] = useState<SmsTemplate[]>([])
  const [numbers, setNumbers] = useState<AgentNumberRow[]>([])
  const [err, setErr] = useState<FieldError>()
  useEffect(() => {
    void (async () => {
      try {
        const s = await smsCall<SmsSettings>('GET', '/api/v1/sms/settings')
        setSt(s)
        setNumbers(numberRows(s.agent_numbers))
        setTemplates(await smsCall<SmsTemplate[]>('GET', '/api/v1/sms/templates'))
      } catch (e) {
        setErr(errorOf(e))
      }
    })()
  }, [])
  if (!st) return <ErrorAlert err={err} onClose={() => setErr(undefined)} />
  const rule = (event: string) => st.rules.find((r) => r.event === event) ?? { event, template: '', enabled: false }
  const setRule = (event: string, patch: Partial<{ template: string; enabled: boolean }>) => {
    const rules = ['missed_call', 'voicemail', 'after_call'].map((e) => (e === event ? { ...rule(e), ...patch } : rule(e))).filter((r) => r.template)
    setSt({ ...st, rules })
  }
  const save = async () => {
    setErr(undefined)
    try {
      const saved = await smsCall<SmsSettings>('PUT', '/api/v1/sms/settings', { ...st, agent_numbers: numberMap(numbers) })
      setSt(saved)
      setNumbers(numberRows(saved.agent_numbers)) // as stored: the API normalises numbers
      message.success(t('admin.saved'))
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  const num = (k: 'per_minute' | 'per_day' | 'per_number_per_hour') => (
    <Form.Item label={t(`sms.settings.${k}`)} validateStatus={err?.field === k ? 'error' : undefined}>
      <InputNumber min={-1} disabled={readOnly} value={st[k]} onChange={(v) => setSt({ ...st, [k]: v ?? 0 })} aria-label={t(`sms.settings.${k}`)} />
    </Form.Item>
  )
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('sms.settings.hint')}</Typography.Paragraph>
      {/* An error about an agent's number is shown at its row instead. */}
      <ErrorAlert err={rowOfError(numbers, err?.field) >= 0 ? undefined : err} onClose={() => setErr(undefined)} />
      <Form layout="vertical">
        <Space wrap>
          {num('per_minute')}
          {num('per_day')}
          {num('per_number_per_hour')}
          <Form.Item label={t('sms.settings.language')}>
            <Select style={{ width: 200 }} popupMatchSelectWidth={false} disabled={readOnly} value={st.language} onChange={(v: string) => setSt({ ...st, language: v })}
              options={[{ value: '', label: t('sms.settings.languageDefault') }, { value: 'zh-CN', label: '中文' }, { value: 'en', label: 'English' }]} />
          </Form.Item>
        </Space>
      </Form>
      <Typography.Title level={5}>{t('sms.settings.rules')}</Typography.Title>
      {['missed_call', 'voicemail', 'after_call'].map((e) => (
        <Space key={e}>
          <span style={{ display: 'inline-block', width: 160 }}>{t(`sms.rule.${e}`)}</span>
          <Select style={{ width: 220 }} disabled={readOnly} allowClear placeholder={t('sms.settings.template')} value={rule(e).template || undefined}
            onChange={(v?: string) => setRule(e, { template: v ?? '' })} options={templates.map((tp) => ({ value: tp.name, label: tp.name }))} aria-label={t(`sms.rule.${e}`)} />
          <Switch disabled={readOnly || !rule(e).template} checked={rule(e).enabled} onChange={(c) => setRule(e, { enabled: c })} aria-label={t('sms.settings.enabled')} />
        </Space>
      ))}
      <AgentNumbers rows={numbers} err={err} readOnly={readOnly}
        onChange={(rows) => {
          setNumbers(rows)
          if (rowOfError(numbers, err?.field) >= 0) setErr(undefined) // the row's error goes once it is edited
        }} />
      {!readOnly && <Button type="primary" onClick={() => void save()}>{t('admin.save')}</Button>}
    </Space>
  )
}

function OptOuts({ canRemove }: { canRemove: boolean }) {
  const { t } = useTranslation()
  const [rows, setRows] = useState<SmsOptOut[]>([])
  const [err, setErr] = useState<FieldError>()
  const [form] = Form.useForm()
  const load = useCallback(async () => {
    try {
      setRows(await smsCall<SmsOptOut[]>('GET', '/api/v1/sms/optouts'))
    } catch (e) {
      setErr(errorOf(e))
    }
  }, [])
  useEffect(() => {
    void load()
  }, [load])
  const add = async (v: { number: string; note: string }) => {
    setErr(undefined)
    try {
      await smsCall('POST', '/api/v1/sms/optouts', { number: v.number ?? '', note: v.note ?? '' })
      form.resetFields()
      void load()
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  const remove = async (n: string) => {
    try {
      await smsCall('DELETE', `/api/v1/sms/optouts/${encodeURIComponent(n)}`)
      void load()
    } catch (e) {
      setErr(errorOf(e))
    }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('sms.optouts.hint')}</Typography.Paragraph>
      <ErrorAlert err={err} onClose={() => setErr(undefined)} />
      <Form form={form} layout="inline" onFinish={(v) => void add(v)}>
        <Form.Item name="number" validateStatus={err?.field === 'number' ? 'error' : undefined}>
          <Input placeholder={t('sms.optouts.number')} aria-label={t('sms.optouts.number')} />
        </Form.Item>
        <Form.Item name="note">
          <Input placeholder={t('sms.optouts.note')} aria-label={t('sms.optouts.note')} />
        </Form.Item>
        <Button htmlType="submit">{t('sms.optouts.add')}</Button>
      </Form>
      <Table<SmsOptOut>
        rowKey="number"
        size="small"
        dataSource={rows}
        columns={[
          { title: t('sms.optouts.number'), dataIndex: 'number' },
          { title: t('sms.optouts.source'), dataIndex: 'source', render: (s: string) => <Tag>{t(`sms.optouts.source_${s}`, { defaultValue: s })}</Tag> },
          { title: t('sms.optouts.note'), dataIndex: 'note' },
          { title: t('sms.log.time'), dataIndex: 'created_at', render: (v: string) => new Date(v).toLocaleString() },
          ...(canRemove
            ? [{ title: t('admin.actions'), render: (_: unknown, o: SmsOptOut) => <Button size="small" onClick={() => void remove(o.number)}>{t('sms.optouts.remove')}</Button> }]
            : []),
        ]}
      />
    </Space>
  )
}

export function MessageLog() {
  const { t } = useTranslation()
  const [rows, setRows] = useState<SmsMessage[]>([])
  const [number, setNumber] = useState('')
  const [err, setErr] = useState<FieldError>()
  const load = useCallback(async () => {
    try {
      const q = new URLSearchParams({ limit: '200', ...(number ? { number } : {}) })
      setRows(await smsCall<SmsMessage[]>('GET', `/api/v1/sms/messages?${q}`))
      setErr(undefined)
    } catch (e) {
      setErr(errorOf(e))
    }
  }, [number])
  useEffect(() => {
    void load()
    const id = setInterval(() => void load(), 5000)
    return () => clearInterval(id)
  }, [load])
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <ErrorAlert err={err} onClose={() => setErr(undefined)} />
      <Space>
        <Input.Search allowClear placeholder={t('sms.log.number')} onSearch={setNumber} aria-label={t('sms.log.number')} style={{ width: 240 }} />
        <Button onClick={() => void load()}>{t('sms.refresh')}</Button>
      </Space>
      <Table<SmsMessage>
        rowKey="id"
        size="small"
        dataSource={rows}
        data-testid="sms-log"
        columns={[
          { title: t('sms.log.time'), dataIndex: 'created_at', render: (v: string) => new Date(v).toLocaleString() },
          { title: t('sms.log.direction'), dataIndex: 'direction', render: (d: string) => t(`sms.log.dir_${d}`) },
          { title: t('sms.log.number'), dataIndex: 'number' },
          { title: t('sms.log.text'), dataIndex: 'body', ellipsis: true },
          {
            title: t('sms.log.source'),
            dataIndex: 'source',
            render: (s: string) => (s.startsWith('rule:') ? `${t('sms.source.rule')} · ${t(`sms.rule.${s.slice(5)}`)}` : t(`sms.source.${s}`, { defaultValue: s })),
          },
          { title: t('sms.log.status'), dataIndex: 'status', render: (s: string, m) => <Tag color={statusColor(s)} title={m.error}>{t(`sms.status.${s}`)}</Tag> },
          { title: t('sms.log.parts'), dataIndex: 'parts' },
        ]}
      />
    </Space>
  )
}

export default function SmsAdminPage({ role }: { role: string }) {
  const { t } = useTranslation()
  const admin = role === 'admin'
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={4}>{t('sms.title')}</Typography.Title>
      <Tabs
        destroyInactiveTabPane
        items={[
          { key: 'log', label: t('sms.tabs.log'), children: <MessageLog /> },
          ...(admin
            ? [
                { key: 'providers', label: t('sms.tabs.providers'), children: <Providers /> },
                { key: 'templates', label: t('sms.tabs.templates'), children: <Templates /> },
              ]
            : []),
          { key: 'settings', label: t('sms.tabs.settings'), children: <Settings readOnly={!admin} /> },
          { key: 'optouts', label: t('sms.tabs.optouts'), children: <OptOuts canRemove={admin} /> },
        ]}
      />
    </Space>
  )
}
