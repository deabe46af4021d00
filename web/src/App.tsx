import { Suspense, lazy, useEffect } from 'react'
import { Navigate, Route, Routes, useLocation } from 'react-router-dom'
import { App as AntApp, ConfigProvider, Spin, theme } from 'antd'
import zhCN from 'antd/locale/zh_CN'
import enUS from 'antd/locale/en_US'
import { useTranslation } from 'react-i18next'
import { useQueryClient } from '@tanstack/react-query'
import { useSession } from './lib/session'
import { socket } from './lib/ws'
import { restoreLanguage } from './lib/i18n'
import { LoginPage } from './login/LoginPage'
import { AppLayout } from './layout/AppLayout'
import { RequireRole, homeFor } from './layout/RequireRole'
import { AgentDesktop } from './agent/AgentDesktop'

// Screens an agent never needs load only when opened.
const SupervisorConsole = lazy(() => import('./supervisor/SupervisorConsole'))
const Wallboard = lazy(() => import('./wallboard/Wallboard'))
const AdminConsole = lazy(() => import('./admin/AdminConsole'))
const Reports = lazy(() => import('./reports/Reports'))
const FlowsPage = lazy(() => import('./flows/FlowsPage'))
const FlowEditor = lazy(() => import('./flows/FlowEditor'))
const WorkOrdersPage = lazy(() => import('./crm/WorkOrdersPage'))
const QAConsole = lazy(() => import('./qa/QAConsole'))

export const supervisorRoles = ['admin', 'supervisor']
export const agentRoles = ['admin', 'supervisor', 'qa', 'agent']

export function App() {
  const { i18n } = useTranslation()
  const session = useSession()
  const qc = useQueryClient()
  const loc = useLocation()

  useEffect(() => {
    if (session && session.user.role !== 'superadmin') {
      restoreLanguage(`${session.user.tenant}/${session.user.username}`)
      socket.start()
    } else {
      socket.stop()
      qc.clear()
    }
  }, [session?.user.id, session?.user.tenant]) // eslint-disable-line react-hooks/exhaustive-deps

  const wallboard = loc.pathname.startsWith('/wallboard')
  const fallback = <Spin style={{ display: 'block', marginTop: 80 }} />
  return (
    <ConfigProvider button={{ autoInsertSpace: false }} locale={i18n.language === 'en' ? enUS : zhCN} theme={wallboard ? { algorithm: theme.darkAlgorithm } : undefined}>
      <AntApp style={{ height: '100%' }}>
      <Suspense fallback={fallback}>
        <Routes>
          <Route path="/wallboard" element={<Wallboard />} />
          <Route path="/login" element={session ? <Navigate to={homeFor(session.user.role)} replace /> : <LoginPage />} />
          <Route element={session ? <AppLayout /> : <Navigate to="/login" replace state={{ from: loc.pathname }} />}>
            <Route path="/" element={<Navigate to={homeFor(session?.user.role)} replace />} />
            <Route path="/agent" element={<RequireRole roles={agentRoles}><AgentDesktop /></RequireRole>} />
            <Route path="/supervisor" element={<RequireRole roles={supervisorRoles}><SupervisorConsole /></RequireRole>} />
            <Route path="/admin/*" element={<AdminConsole />} />
            <Route path="/workorders" element={<RequireRole roles={agentRoles}><WorkOrdersPage /></RequireRole>} />
            <Route path="/reports/*" element={<RequireRole roles={supervisorRoles}><Reports /></RequireRole>} />
            <Route path="/qa/*" element={<RequireRole roles={agentRoles}><QAConsole /></RequireRole>} />
            <Route path="/admin/flows" element={<RequireRole roles={['admin']}><FlowsPage /></RequireRole>} />
            <Route path="/admin/flows/:id" element={<RequireRole roles={['admin']}><FlowEditor /></RequireRole>} />
            <Route path="*" element={<Navigate to={homeFor(session?.user.role)} replace />} />
          </Route>
        </Routes>
      </Suspense>
      </AntApp>
    </ConfigProvider>
  )
}
