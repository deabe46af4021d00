import { memo, useState } from 'react'
import { App as AntApp, Button, Card, Descriptions, Empty, Popconfirm, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type AgentSnapshot } from '../lib/api'

type Mode = 'listen' | 'whisper' | 'barge'

// CallMonitor: listen, whisper, barge on or hang up the selected agent's
// call with the supervisor's own phone (rung first); the mode is shown.
export const CallMonitor = memo(function CallMonitor({ agent }: { agent?: AgentSnapshot }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const [mode, setMode] = useState<{ call: string; mode: Mode } | null>(null)
  const [busy, setBusy] = useState<string>()
  const call = agent?.call_id
  if (!agent || !call) {
    return (
      <Card size="small" title={t('supervisor.selectedCall')}>
        <Empty description={t('supervisor.selectHint')} />
      </Card>
    )
  }
  const current = mode?.call === call ? mode.mode : undefined
  const monitor = async (m: Mode) => {
    setBusy(m)
    try {
      await unwrap(client.POST('/api/v1/supervisor/calls/{id}/monitor', { params: { path: { id: call } }, body: { mode: m } }))
      setMode({ call, mode: m })
    } catch (e) {
      message.error(t('supervisor.monitorFailed', { message: (e as Error).message }))
    } finally {
      setBusy(undefined)
    }
  }
  const stop = async () => {
    setBusy('stop')
    try {
      await unwrap(client.DELETE('/api/v1/supervisor/calls/{id}/monitor', { params: { path: { id: call } } }))
      setMode(null)
    } catch (e) {
      message.error(t('supervisor.monitorFailed', { message: (e as Error).message }))
    } finally {
      setBusy(undefined)
    }
  }
  const hangup = async () => {
    try {
      await unwrap(client.POST('/api/v1/supervisor/calls/{id}/hangup', { params: { path: { id: call } } }))
      setMode(null)
    } catch (e) {
      message.error(t('supervisor.monitorFailed', { message: (e as Error).message }))
    }
  }
  return (
    <Card size="small" title={t('supervisor.selectedCall')} aria-label={t('supervisor.selectedCall')}>
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('supervisor.name')}>
          {agent.name} {agent.work_number ? `(${agent.work_number})` : ''}
        </Descriptions.Item>
        <Descriptions.Item label={t('supervisor.call')}>
          <Typography.Text code>{call}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('supervisor.mode')}>
          <Tag color={current ? 'red' : 'default'} role="status">
            {current ? t(`supervisor.${current}`) : t('supervisor.modeNone')}
          </Tag>
        </Descriptions.Item>
      </Descriptions>
      <Space wrap>
        {(['listen', 'whisper', 'barge'] as Mode[]).map((m) => (
          <Button key={m} type={current === m ? 'primary' : 'default'} loading={busy === m} aria-pressed={current === m} onClick={() => void monitor(m)}>
            {t(`supervisor.${m}`)}
          </Button>
        ))}
        <Button disabled={!current} loading={busy === 'stop'} onClick={() => void stop()}>
          {t('supervisor.stop')}
        </Button>
        <Popconfirm title={t('supervisor.hangupCall')} onConfirm={() => void hangup()}>
          <Button danger>{t('supervisor.hangupCall')}</Button>
        </Popconfirm>
      </Space>
      <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
        {t('supervisor.rings')}
      </Typography.Paragraph>
    </Card>
  )
})
