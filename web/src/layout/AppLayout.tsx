import { Layout, Menu, Select, Space, Button, Tag, Typography } from 'antd'
import { Link, Outlet, useLocation } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { setSession, useSession } from '../lib/session'
import { setLanguage, type Language } from '../lib/i18n'
import { client } from '../lib/api'
import { useSocketStatus } from '../lib/ws'
import { agentRoles, supervisorRoles } from '../App'

export function ConnectionTag() {
  const { t } = useTranslation()
  const st = useSocketStatus()
  const color = st === 'open' ? 'green' : st === 'idle' ? 'default' : 'orange'
  return (
    <Tag color={color} role="status" aria-live="polite">
      {t(`app.connection.${st}`)}
    </Tag>
  )
}

export function LanguageSelect({ user }: { user?: string }) {
  const { t, i18n } = useTranslation()
  return (
    <Select
      aria-label={t('app.language')}
      size="small"
      value={i18n.language as Language}
      style={{ width: 104 }}
      onChange={(v: Language) => void setLanguage(v, user)}
      options={[
        { value: 'zh-CN', label: '简体中文' },
        { value: 'en', label: 'English' },
      ]}
    />
  )
}

// AppLayout is the frame of every signed-in page: navigation by role,
// language, connection state and sign-out.
export function AppLayout() {
  const { t } = useTranslation()
  const s = useSession()!
  const loc = useLocation()
  const role = s.user.role
  const items = [
    agentRoles.includes(role) && { key: '/agent', label: <Link to="/agent">{t('nav.agent')}</Link> },
    agentRoles.includes(role) && { key: '/workorders', label: <Link to="/workorders">{t('crm.nav')}</Link> },
    supervisorRoles.includes(role) && { key: '/supervisor', label: <Link to="/supervisor">{t('nav.supervisor')}</Link> },
    supervisorRoles.includes(role) && { key: '/wallboard', label: <Link to="/wallboard">{t('nav.wallboard')}</Link> },
    supervisorRoles.includes(role) && { key: '/reports', label: <Link to="/reports">{t('nav.reports')}</Link> },
    agentRoles.includes(role) && { key: '/qa', label: <Link to="/qa">{t('qa.nav')}</Link> },
    (role === 'admin' || role === 'supervisor' || role === 'superadmin') && { key: '/admin', label: <Link to="/admin">{t('nav.admin')}</Link> },
  ].filter(Boolean) as { key: string; label: JSX.Element }[]
  const logout = async () => {
    try {
      await client.POST('/api/v1/auth/logout')
    } finally {
      setSession(null)
    }
  }
  return (
    <Layout style={{ minHeight: '100%' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, background: '#fff', borderBottom: '1px solid #f0f0f0', paddingInline: 16 }}>
        <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
          {t('app.name')}
        </Typography.Text>
        <nav aria-label={t('nav.main')} style={{ flex: 1, minWidth: 0 }}>
          <Menu mode="horizontal" selectedKeys={[loc.pathname, '/' + loc.pathname.split('/')[1]]} items={items} style={{ borderBottom: 'none' }} />
        </nav>
        <Space>
          <ConnectionTag />
          <Typography.Text>
            {s.user.display_name || s.user.username} · {s.user.tenant}
          </Typography.Text>
          <LanguageSelect user={`${s.user.tenant}/${s.user.username}`} />
          <Button size="small" onClick={logout}>
            {t('app.logout')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 16 }}>
        <Outlet />
      </Layout.Content>
    </Layout>
  )
}
