import { memo, useState } from 'react'
import { App as AntApp, Button, Card, Descriptions, Empty, Popconfirm, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type AgentSnapshot } from '../lib/api'
import { errorText, live } from '../lib/live'

export type Mode = 'listen' | 'whisper' | 'barge'
export type Monitoring = { call: string; mode: Mode } | null

// startMonitor rings the supervisor's own phone and joins it to the call in
// mode (also used to accept a help request).
export async function startMonitor(call: string, mode: Mode) {
  await unwrap(client.POST('/api/v1/supervisor/calls/{id}/monitor', { params: { path: { id: call } }, body: { mode } }))
}

// CallMonitor: listen, whisper, barge on, take over or hang up the selected
// agent's call with the supervisor's own phone (rung first); the mode is
// shown (kept by the console, which also starts it on a help request).
export const CallMonitor = memo(function CallMonitor({ agent, mode, setMode }: { agent?: AgentSnapshot; mode: Monitoring; setMode: (m: Monitoring) => void }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
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
      await startMonitor(call, m)
      setMode({ call, mode: m })
    } catch (e) {
      message.error(live((t) => t('supervisor.monitorFailed', { message: errorText(t, e) })))
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
      message.error(live((t) => t('supervisor.monitorFailed', { message: errorText(t, e) })))
    } finally {
      setBusy(undefined)
    }
  }
  const hangup = async () => {
    try {
      await unwrap(client.POST('/api/v1/supervisor/calls/{id}/hangup', { params: { path: { id: call } } }))
      setMode(null)
    } catch (e) {
      message.error(live((t) => t('supervisor.monitorFailed', { message: errorText(t, e) })))
    }
  }
  const takeOver = async () => {
    setBusy('takeover')
    try {
      await unwrap(client.POST('/api/v1/supervisor/calls/{id}/takeover', { params: { path: { id: call } }, body: {} }))
      setMode(null)
      message.success(live((t) => t('supervisor.takenOver')))
    } catch (e) {
      message.error(live((t) => t('supervisor.monitorFailed', { message: errorText(t, e) })))
    } finally {
      setBusy(undefined)
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
        <Popconfirm title={t('supervisor.takeOverConfirm')} onConfirm={() => void takeOver()}>
          <Button loading={busy === 'takeover'}>{t('supervisor.takeOver')}</Button>
        </Popconfirm>
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
