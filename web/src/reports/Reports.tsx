// The reports pages (supervisors and admins): one per standard report, and a
// call's detail page the figures drill down to.
import { Layout, Menu } from 'antd'
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { ReportPage } from './ReportPage'
import { reportDefs } from './defs'
import CallDetail from './CallDetail'

export default function Reports() {
  const { t } = useTranslation()
  const loc = useLocation()
  const selected = loc.pathname.split('/')[2] ?? ''
  return (
    <Layout style={{ background: 'transparent' }}>
      <Layout.Sider width={200} theme="light" style={{ background: 'transparent' }} breakpoint="lg" collapsedWidth={0}>
        <nav aria-label={t('reports.menu')}>
          <Menu mode="inline" selectedKeys={[selected]} items={reportDefs.map((d) => ({ key: d.key, label: <Link to={`/reports/${d.key}`}>{t(`reports.names.${d.key}`)}</Link> }))} />
        </nav>
      </Layout.Sider>
      <Layout.Content style={{ paddingLeft: 16, minWidth: 0 }}>
        <Routes>
          {reportDefs.map((d) => (
            <Route key={d.key} path={d.key} element={<ReportPage key={d.key} def={d} />} />
          ))}
          <Route path="call/:id" element={<CallDetail />} />
          <Route path="*" element={<Navigate to="/reports/queues" replace />} />
        </Routes>
      </Layout.Content>
    </Layout>
  )
}
