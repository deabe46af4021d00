import type { ReactNode } from 'react'
import { Button, Result } from 'antd'
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
  if (s?.user.role === 'superadmin') return <Result status="info" title={t('app.superadminHint')} />
  if (!s || !roles.includes(s.user.role)) {
    return (
      <Result
        status="403"
        title={t('app.noAccess')}
        subTitle={t('app.noAccessHint')}
        extra={
          <Link to={homeFor(s?.user.role)}>
            <Button type="primary">{t('app.backHome')}</Button>
          </Link>
        }
      />
    )
  }
  return <>{children}</>
}
