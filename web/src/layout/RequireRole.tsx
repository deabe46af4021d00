import type { ReactNode } from 'react'
import { Alert, Button, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router-dom'
import { useSession } from '../lib/session'

export function homeFor(role?: string): string {
  if (role === 'superadmin') return '/admin/tenants'
  if (role === 'admin' || role === 'supervisor') return '/supervisor'
  return '/agent'
}

// RequireRole shows its children only to the listed roles; the API refuses
// the others anyway, this keeps them from seeing an empty screen.
export function RequireRole({ roles, children }: { roles: string[]; children: ReactNode }) {
  const { t } = useTranslation()
  const s = useSession()
  // Plain Alerts, not antd's Result: its illustrations would weigh on every
  // first load (the agent desktop's budget).
  if (s?.user.role === 'superadmin') return <Alert style={{ margin: 48 }} type="info" showIcon message={t('app.superadminHint')} />
  if (!s || !roles.includes(s.user.role)) {
    return (
      <Space direction="vertical" align="center" style={{ width: '100%', padding: 48 }}>
        <Alert
          type="warning"
          showIcon
          message={<Typography.Title level={4} style={{ margin: 0 }}>{t('app.noAccess')}</Typography.Title>}
          description={t('app.noAccessHint')}
        />
        <Link to={homeFor(s?.user.role)}>
          <Button type="primary">{t('app.backHome')}</Button>
        </Link>
      </Space>
    )
  }
  return <>{children}</>
}
