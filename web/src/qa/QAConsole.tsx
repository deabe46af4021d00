// The quality inspection (质检) console: tasks and calls to score, the
// template builder, the scoring page, the agent's own scores with appeals,
// appeal review and QA reports. Every rule is enforced by the API; this only
// shows what the caller's role and QA lead permission allow.
import { Menu, Spin } from 'antd'
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap, type Schemas } from '../lib/api'
import { TasksPage } from './TasksPage'
import { TemplatesPage } from './TemplatesPage'
import { ScorePage } from './ScorePage'
import { MyScoresPage, AppealsPage } from './AppealsPages'
import { QAReportsPage } from './QAReportsPage'
import { SettingsPage } from './SettingsPage'
import { CalibrationPage, CalibrationsPage } from './CalibrationsPage'

export type QAMe = Schemas['api.qaMe']

export function useQAMe() {
  return useQuery({ queryKey: ['qa', 'me'], queryFn: () => unwrap(client.GET('/api/v1/qa/me')) })
}

export default function QAConsole() {
  const { t } = useTranslation()
  const loc = useLocation()
  const me = useQAMe()
  if (!me.data) return <Spin style={{ display: 'block', marginTop: 80 }} />
  const m = me.data
  const agent = m.role === 'agent'
  const items = [
    !agent && { key: '/qa/tasks', label: <Link to="/qa/tasks">{t('qa.menu.tasks')}</Link> },
    m.lead && { key: '/qa/templates', label: <Link to="/qa/templates">{t('qa.menu.templates')}</Link> },
    { key: '/qa/my', label: <Link to="/qa/my">{agent ? t('qa.menu.myScores') : t('qa.menu.scores')}</Link> },
    (m.lead || m.role === 'supervisor') && { key: '/qa/appeals', label: <Link to="/qa/appeals">{t('qa.menu.appeals')}</Link> },
    !agent && { key: '/qa/reports', label: <Link to="/qa/reports">{t('qa.menu.reports')}</Link> },
    !agent && { key: '/qa/calibrations', label: <Link to="/qa/calibrations">{t('qa.menu.calibrations')}</Link> },
    m.lead && { key: '/qa/settings', label: <Link to="/qa/settings">{t('qa.menu.settings')}</Link> },
  ].filter(Boolean) as { key: string; label: JSX.Element }[]
  const sel = '/qa/' + (loc.pathname.split('/')[2] ?? '')
  return (
    <div>
      <nav aria-label={t('qa.menu.label')}>
        <Menu mode="horizontal" selectedKeys={[sel]} items={items} style={{ marginBottom: 16 }} />
      </nav>
      <Routes>
        <Route index element={<Navigate to={agent ? '/qa/my' : '/qa/tasks'} replace />} />
        <Route path="tasks" element={<TasksPage me={m} />} />
        <Route path="templates" element={<TemplatesPage />} />
        <Route path="score/:task/:call" element={<ScorePage me={m} />} />
        <Route path="scores/:id" element={<ScorePage me={m} />} />
        <Route path="my" element={<MyScoresPage me={m} />} />
        <Route path="appeals" element={<AppealsPage />} />
        <Route path="reports" element={<QAReportsPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="calibrations" element={<CalibrationsPage me={m} />} />
        <Route path="calibrations/:id" element={<CalibrationPage me={m} />} />
        <Route path="calibrate/:cal" element={<ScorePage me={m} />} />
      </Routes>
    </div>
  )
}
