import { useState } from 'react'
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { client, unwrap } from '../lib/api'
import { setSession, type User } from '../lib/session'
import { LanguageSelect } from '../layout/AppLayout'
import { errorText } from '../lib/live'

type Values = { tenant: string; username: string; password: string }

export function LoginPage() {
  const { t } = useTranslation()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const submit = async (v: Values) => {
    setBusy(true)
    setError(undefined)
    try {
      const r = await unwrap(client.POST('/api/v1/auth/login', { body: { tenant: (v.tenant ?? '').trim() || undefined, username: v.username.trim(), password: v.password } }))
      localStorage.setItem('ipcc.lastTenant', (v.tenant ?? '').trim())
      setSession({ token: r.token ?? '', expires_at: r.expires_at ?? '', session_expires_at: r.session_expires_at ?? '', user: r.user as unknown as User })
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div style={{ minHeight: '100%', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f5f5f5' }}>
      <Card style={{ width: 380 }}>
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('login.title')}
          </Typography.Title>
          <LanguageSelect />
        </Space>
        <Typography.Paragraph type="secondary">{t('app.name')}</Typography.Paragraph>
        <Form<Values> layout="vertical" onFinish={submit} initialValues={{ tenant: localStorage.getItem('ipcc.lastTenant') ?? 'default' }} requiredMark={false}>
          <Form.Item label={t('login.tenant')} name="tenant" extra={t('admin.tenants.loginHint')}>
            <Input autoComplete="organization" />
          </Form.Item>
          <Form.Item label={t('login.username')} name="username" rules={[{ required: true, message: t('login.required') }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('login.password')} name="password" rules={[{ required: true, message: t('login.required') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {error !== undefined && <Alert type="error" message={t('login.failed', { message: errorText(t, error) })} showIcon style={{ marginBottom: 12 }} role="alert" />}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('login.submit')}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, fontSize: 12 }}>
          {t('login.demoHint')}
        </Typography.Paragraph>
      </Card>
    </div>
  )
}
