import { useState } from 'react'
import { App as AntApp, Button, Input, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { client, unwrap } from '../lib/api'
import { usePhone } from './phoneStore'
import { errorText, live } from '../lib/live'

export async function dial(number: string, parent?: string) {
  return unwrap(client.POST('/api/v1/agent/dial', { body: parent ? { number, parent } : { number } }))
}

const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']

// DialPad: click-to-dial an outside number or an extension. Before the
// agent signs in to queues (disabled says why the controller's
// click-to-dial cannot be used), a registered browser phone calls the
// number itself, through the switch as a desk phone would.
export function DialPad({ disabled: blocked }: { disabled?: string }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const [number, setNumber] = useState('')
  const [busy, setBusy] = useState(false)
  const phone = usePhone()
  const viaPhone = !!blocked && !!phone.call
  const disabled = viaPhone ? undefined : blocked
  const call = async () => {
    setBusy(true)
    try {
      if (viaPhone && phone.call) {
        await phone.call(number.trim())
        message.info(live((t) => t('dial.placedPhone', { number })))
        return
      }
      await dial(number.trim())
      message.info(live((t) => t('dial.placed', { number })))
    } catch (e) {
      message.error(live((t) => t('call.failed', { action: t('dial.call'), message: errorText(t, e) })))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Space direction="vertical" style={{ width: 240 }}>
      <Input
        aria-label={t('dial.number')}
        aria-keyshortcuts="Alt+D"
        value={number}
        onChange={(e) => setNumber(e.target.value)}
        onPressEnter={() => number.trim() && !disabled && void call()}
        inputMode="tel"
        size="large"
        allowClear
      />
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 6 }}>
        {keys.map((k) => (
          <Button key={k} size="large" onClick={() => setNumber((n) => n + k)} aria-label={k}>
            {k}
          </Button>
        ))}
      </div>
      <Button type="primary" block size="large" loading={busy} disabled={!number.trim() || !!disabled} title={disabled} onClick={() => void call()}>
        {t('dial.call')}
      </Button>
      {viaPhone && <Typography.Text type="secondary">{t('dial.viaPhone', { ext: phone.ext })}</Typography.Text>}
    </Space>
  )
}
