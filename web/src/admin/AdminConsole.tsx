// The admin console: one page per resource the API manages, under /admin.
// Admins see every page; supervisors the queues, read-only; the platform
// superadmin the tenants. Agents and QA get "no access" (and the API
// refuses them anyway).
import { Layout, Menu, Result, Button } from 'antd'
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { useSession } from '../lib/session'
import { homeFor } from '../layout/RequireRole'
import UsersPage from './UsersPage'
import QueuesPage from './QueuesPage'
import { RoutesPage, SchedulesPage } from './RoutesPage'
import { BlacklistPage, CallerListsPage, CallerRulesPage, WhitelistPage } from './ListsPage'
import { APIKeysPage, MailboxesPage, RecordingPoliciesPage, WebhooksPage } from './OpsPages'
import { AuditPage, DesktopSettingsPage, RetentionPage, RoutingSettingsPage } from './SettingsPages'
import TenantsPage from './TenantsPage'
import PlatformGatewaysPage from './PlatformGatewaysPage'
import ScreenPopsPage from './ScreenPopsPage'
import PromptsPage from './PromptsPage'
import CampaignsPage from './CampaignsPage'
import SmsAdminPage from '../sms/SmsAdminPage'
import { CustomersPage, SummaryFormsPage, WorkOrderTypesPage } from '../crm/AdminPages'
import { CallerIdPoolsPage, OutboundRoutesPage, OutboundSettingsPage, OutboundTrunksPage } from './OutboundPages'

type Page = { path: string; key: string; element?: JSX.Element; roles: string[] }

// pages in menu order; "flows" is the IVR flow editor's slot (/admin/flows,
// its own routes).
function pages(role: string): Page[] {
  return [
    { path: 'users', key: 'users', element: <UsersPage />, roles: ['admin'] },
    { path: 'queues', key: 'queues', element: <QueuesPage readOnly={role !== 'admin'} />, roles: ['admin', 'supervisor'] },
    { path: 'flows', key: 'flows', roles: ['admin'] },
    { path: 'prompts', key: 'prompts', element: <PromptsPage readOnly={role !== 'admin'} />, roles: ['admin', 'supervisor'] },
    { path: 'routes', key: 'routes', element: <RoutesPage />, roles: ['admin'] },
    { path: 'schedules', key: 'schedules', element: <SchedulesPage />, roles: ['admin'] },
    { path: 'blacklist', key: 'blacklist', element: <BlacklistPage />, roles: ['admin'] },
    { path: 'vip', key: 'whitelist', element: <WhitelistPage />, roles: ['admin'] },
    { path: 'caller-rules', key: 'rules', element: <CallerRulesPage />, roles: ['admin'] },
    { path: 'caller-lists', key: 'callerLists', element: <CallerListsPage />, roles: ['admin'] },
    { path: 'routing-settings', key: 'routingSettings', element: <RoutingSettingsPage />, roles: ['admin'] },
    { path: 'campaigns', key: 'campaigns', element: <CampaignsPage readOnly={role !== 'admin'} />, roles: ['admin', 'supervisor'] },
    { path: 'outbound-trunks', key: 'outTrunks', element: <OutboundTrunksPage readOnly={role !== 'admin'} />, roles: ['admin', 'supervisor'] },
    { path: 'outbound-routes', key: 'outRoutes', element: <OutboundRoutesPage readOnly={role !== 'admin'} />, roles: ['admin', 'supervisor'] },
    { path: 'caller-id-pools', key: 'outPools', element: <CallerIdPoolsPage readOnly={role !== 'admin'} />, roles: ['admin', 'supervisor'] },
    { path: 'outbound-settings', key: 'outSettings', element: <OutboundSettingsPage readOnly={role !== 'admin'} />, roles: ['admin', 'supervisor'] },
    { path: 'sms', key: 'sms', element: <SmsAdminPage role={role} />, roles: ['admin', 'supervisor'] },
    { path: 'customers', key: 'customers', element: <CustomersPage />, roles: ['admin', 'supervisor'] },
    { path: 'workorder-types', key: 'workorderTypes', element: <WorkOrderTypesPage />, roles: ['admin'] },
    { path: 'summary-forms', key: 'summaryForms', element: <SummaryFormsPage />, roles: ['admin'] },
    { path: 'recording', key: 'recording', element: <RecordingPoliciesPage />, roles: ['admin'] },
    { path: 'retention', key: 'retention', element: <RetentionPage />, roles: ['admin'] },
    { path: 'mailboxes', key: 'mailboxes', element: <MailboxesPage />, roles: ['admin'] },
    { path: 'webhooks', key: 'webhooks', element: <WebhooksPage />, roles: ['admin'] },
    { path: 'screen-pops', key: 'screenPops', element: <ScreenPopsPage />, roles: ['admin'] },
    { path: 'apikeys', key: 'apikeys', element: <APIKeysPage />, roles: ['admin'] },
    { path: 'desktop', key: 'desktop', element: <DesktopSettingsPage />, roles: ['admin'] },
    { path: 'audit', key: 'audit', element: <AuditPage />, roles: ['admin'] },
    { path: 'tenants', key: 'tenants', element: <TenantsPage />, roles: ['superadmin'] },
    { path: 'platform-gateways', key: 'platformGateways', element: <PlatformGatewaysPage />, roles: ['superadmin'] },
  ]
}

// adminRoles may open /admin at all.
export const adminRoles = ['admin', 'supervisor', 'superadmin']

export function adminHome(role?: string): string {
  if (role === 'superadmin') return '/admin/tenants'
  if (role === 'supervisor') return '/admin/queues'
  return '/admin/users'
}

export default function AdminConsole() {
  const { t } = useTranslation()
  const s = useSession()
  const loc = useLocation()
  const role = s?.user.role ?? ''
  if (!adminRoles.includes(role)) {
    return (
      <Result
        status="403"
        title={t('app.noAccess')}
        subTitle={t('app.noAccessHint')}
        extra={
          <Link to={homeFor(role)}>
            <Button type="primary">{t('app.backHome')}</Button>
          </Link>
        }
      />
    )
  }
  const mine = pages(role).filter((p) => p.roles.includes(role))
  const selected = loc.pathname.split('/')[2] ?? ''
  return (
    <Layout style={{ background: 'transparent' }}>
      <Layout.Sider width={200} theme="light" style={{ background: 'transparent' }} breakpoint="lg" collapsedWidth={0}>
        <nav aria-label={t('admin.menu')}>
          <Menu
            mode="inline"
            selectedKeys={[selected]}
            items={mine.map((p) => ({ key: p.path, label: <Link to={`/admin/${p.path}`}>{t(`admin.nav.${p.key}`)}</Link> }))}
          />
        </nav>
      </Layout.Sider>
      <Layout.Content style={{ paddingLeft: 16, minWidth: 0 }}>
        <Routes>
          {mine.filter((p) => p.element).map((p) => (
            <Route key={p.path} path={`${p.path}/*`} element={p.element} />
          ))}
          <Route path="*" element={pages(role).some((p) => p.path === selected && p.element && !p.roles.includes(role)) ? <NoAccess /> : <Navigate to={adminHome(role)} replace />} />
        </Routes>
      </Layout.Content>
    </Layout>
  )
}

function NoAccess() {
  const { t } = useTranslation()
  return <Result status="403" title={t('app.noAccess')} subTitle={t('app.noAccessHint')} />
}
