// The agent desktop's SMS panel (发送短信): send the caller of the current
// (or last) call a message from one of the tenant's templates, filling its
// variables, and follow the messages of that call to delivery.
import { useEffect, useMemo, useState } from 'react'
import { Alert, Button, Card, Form, Input, List, Select, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../lib/api'
import { pickText, preview as fillPreview, smsCall, statusColor, type SmsMessage, type SmsTemplate } from './api'

export default function AgentSms({ call, caller }: { call?: string; caller?: string }) {
  const { t, i18n } = useTranslation()
  const [templates, setTemplates] = useState<SmsTemplate[]>([])
  const [name, setName] = useState<string | undefined>()
  const [lang, setLang] = useState(i18n.language === 'en' ? 'en' : 'zh-CN')
  const [vars, setVars] = useState<Record<string, string>>({})
  const [to, setTo] = useState(caller ?? '')
  const [sent, setSent] = useState<SmsMessage[]>([])
  const [err, setErr] = useState<{ field?: string; message: string } | undefined>()
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    void smsCall<SmsTemplate[]>('GET', '/api/v1/sms/templates').then(setTemplates, (e: Error) => setErr({ message: e.message }))
  }, [])
  useEffect(() => setTo(caller ?? ''), [caller])
  // The messages of this call, until each has its final status.
  useEffect(() => {
    if (!call) {
      setSent([])
      return
    }
    let stop = false
    const load = async () => {
      try {
        const ms = await smsCall<SmsMessage[]>('GET', `/api/v1/sms/messages?call_id=${encodeURIComponent(call)}`)
        if (!stop) setSent(ms)
      } catch {
        /* shown on the next send */
      }
    }
    void load()
    const id = setInterval(() => void load(), 2000)
    return () => {
      stop = true
      clearInterval(id)
    }
  }, [call])

  const tpl = templates.find((x) => x.name === name)
  const preview = useMemo(() => {
    if (!tpl) return ''
    return fillPreview(pickText(tpl.texts, lang), vars)
  }, [tpl, lang, vars])

  const send = async () => {
    if (!tpl) return
    setErr(undefined)
    setBusy(true)
    try {
      const m = await smsCall<SmsMessage>('POST', '/api/v1/sms/messages', { to, template: tpl.name, language: lang, vars, call_id: call ?? '' })
      setSent((s) => [m, ...s.filter((x) => x.id !== m.id)])
      setVars({})
    } catch (e) {
      const ae = e as ApiError
      setErr({ field: ae.field, message: ae.message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Card size="small" title={t('sms.agent.title')} data-testid="agent-sms">
      <Space direction="vertical" style={{ width: '100%' }}>
        {err && <Alert type="error" showIcon message={err.message} closable onClose={() => setErr(undefined)} data-testid="agent-sms-error" />}
        {templates.length === 0 ? (
          <Typography.Text type="secondary">{t('sms.agent.noTemplates')}</Typography.Text>
        ) : (
          <Form layout="vertical" onFinish={() => void send()}>
            <Space wrap>
              <Form.Item label={t('sms.agent.to')} validateStatus={err?.field === 'to' ? 'error' : undefined} style={{ marginBottom: 8 }}>
                <Input value={to} onChange={(e) => setTo(e.target.value)} aria-label={t('sms.agent.to')} style={{ width: 170 }} />
              </Form.Item>
              <Form.Item label={t('sms.agent.template')} style={{ marginBottom: 8 }}>
                <Select
                  style={{ width: 200 }}
                  value={name}
                  onChange={(v: string) => {
                    setName(v)
                    setVars({})
                  }}
                  aria-label={t('sms.agent.template')}
                  options={templates.map((x) => ({ value: x.name, label: `${x.name} · ${t(`sms.purpose.${x.purpose}`)}` }))}
                />
              </Form.Item>
              <Form.Item label={t('sms.agent.language')} style={{ marginBottom: 8 }}>
                <Select style={{ width: 110 }} value={lang} onChange={setLang} aria-label={t('sms.agent.language')}
                  options={[{ value: 'zh-CN', label: '中文' }, { value: 'en', label: 'English' }]} />
              </Form.Item>
            </Space>
            {tpl?.variables.map((v) => (
              <Form.Item key={v} label={v} style={{ marginBottom: 8 }} validateStatus={err?.field === 'vars' && !vars[v] ? 'error' : undefined}>
                <Input value={vars[v] ?? ''} onChange={(e) => setVars({ ...vars, [v]: e.target.value })} aria-label={v} />
              </Form.Item>
            ))}
            {tpl && (
              <Typography.Paragraph type="secondary" data-testid="agent-sms-preview" style={{ marginBottom: 8 }}>
                {preview}
              </Typography.Paragraph>
            )}
            <Button type="primary" htmlType="submit" disabled={!tpl || !to} loading={busy}>
              {t('sms.agent.send')}
            </Button>
          </Form>
        )}
        {sent.length > 0 && (
          <List
            size="small"
            header={t('sms.agent.sent')}
            dataSource={sent}
            renderItem={(m) => (
              <List.Item data-testid="agent-sms-item" data-status={m.status}>
                <Space direction="vertical" size={0} style={{ width: '100%' }}>
                  <Space>
                    <Tag color={statusColor(m.status)} title={m.error}>{t(`sms.status.${m.status}`)}</Tag>
                    <Typography.Text>{m.number}</Typography.Text>
                    <Typography.Text type="secondary">{new Date(m.created_at).toLocaleTimeString()}</Typography.Text>
                  </Space>
                  <Typography.Text ellipsis style={{ maxWidth: 420 }}>{m.body}</Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Space>
    </Card>
  )
}
