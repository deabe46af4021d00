import { useEffect, useRef, useState } from 'react'
import { Button, Card, Input, Select, Slider, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import type { Web } from 'sip.js'

type Status = 'off' | 'connecting' | 'registered' | 'disconnected' | 'ringing' | 'in-call'

// Softphone registers the agent's extension with the switch over SIP on a
// WebSocket (SIP.js), when the tenant configured sip_wss_url: calls then
// ring and are answered in the browser. SIP.js loads only here.
export default function Softphone({ device }: { device?: string }) {
  const { t } = useTranslation()
  const settings = useQuery({ queryKey: ['desktop', 'settings'], queryFn: () => unwrap(client.GET('/api/v1/desktop/settings')), staleTime: 300_000 })
  const [status, setStatus] = useState<Status>('off')
  const [password, setPassword] = useState('')
  const [mics, setMics] = useState<MediaDeviceInfo[]>([])
  const [mic, setMic] = useState<string>()
  const [volume, setVolume] = useState(80)
  const [error, setError] = useState<string>()
  const audio = useRef<HTMLAudioElement>(null)
  const user = useRef<Web.SimpleUser>()
  const wss = settings.data?.sip_wss_url
  const ext = device && /^[0-9A-Za-z_.-]+$/.test(device) ? device : undefined

  useEffect(() => {
    if (audio.current) audio.current.volume = volume / 100
  }, [volume])
  useEffect(() => () => void user.current?.disconnect(), [])

  if (!wss || !ext) {
    return (
      <Card size="small" title={t('softphone.title')}>
        <Typography.Text type="secondary">{t('softphone.notConfigured')}</Typography.Text>
      </Card>
    )
  }
  const domain = settings.data?.sip_domain || new URL(wss.replace(/^ws/, 'http')).hostname

  const connect = async () => {
    setError(undefined)
    setStatus('connecting')
    try {
      const { Web } = await import('sip.js')
      const su = new Web.SimpleUser(wss, {
        aor: `sip:${ext}@${domain}`,
        media: { constraints: { audio: true, video: false }, remote: { audio: audio.current ?? undefined } },
        userAgentOptions: { authorizationUsername: ext, authorizationPassword: password },
        delegate: {
          onRegistered: () => setStatus('registered'),
          onUnregistered: () => setStatus('disconnected'),
          onServerDisconnect: () => setStatus('disconnected'),
          onCallReceived: () => setStatus('ringing'),
          onCallAnswered: () => setStatus('in-call'),
          onCallHangup: () => setStatus('registered'),
        },
      })
      user.current = su
      await su.connect()
      await su.register()
      const devices = await navigator.mediaDevices?.enumerateDevices?.()
      setMics((devices ?? []).filter((d) => d.kind === 'audioinput'))
    } catch (e) {
      setError((e as Error).message)
      setStatus('disconnected')
    }
  }
  const answer = () =>
    user.current?.answer({ sessionDescriptionHandlerOptions: { constraints: { audio: mic ? { deviceId: { exact: mic } } : true, video: false } } }).catch((e: Error) => setError(e.message))
  const color = status === 'registered' || status === 'in-call' ? 'green' : status === 'ringing' ? 'gold' : status === 'connecting' ? 'blue' : 'red'
  return (
    <Card size="small" title={t('softphone.title')} extra={<Tag color={color}>{status === 'registered' || status === 'in-call' ? t('softphone.registered') : t('softphone.unregistered')}</Tag>}>
      <audio ref={audio} autoPlay />
      <Space direction="vertical" style={{ width: '100%' }}>
        {status === 'off' || status === 'disconnected' ? (
          <Space.Compact style={{ width: '100%' }}>
            <Input.Password aria-label={t('softphone.password')} placeholder={t('softphone.password')} value={password} onChange={(e) => setPassword(e.target.value)} />
            <Button type="primary" onClick={() => void connect()}>
              {t('softphone.register')}
            </Button>
          </Space.Compact>
        ) : (
          <Button onClick={() => void user.current?.unregister().then(() => user.current?.disconnect())}>{t('softphone.unregister')}</Button>
        )}
        {status === 'ringing' && (
          <Button type="primary" onClick={() => void answer()}>
            {t('call.answer')}
          </Button>
        )}
        {mics.length > 0 && <Select aria-label={t('softphone.microphone')} value={mic} onChange={setMic} placeholder={t('softphone.microphone')} options={mics.map((m) => ({ value: m.deviceId, label: m.label || m.deviceId }))} />}
        <Space>
          <Typography.Text>{t('softphone.volume')}</Typography.Text>
          <Slider style={{ width: 140 }} value={volume} onChange={setVolume} aria-label={t('softphone.volume')} />
        </Space>
        <Typography.Text type="secondary">
          {t('softphone.network')}: {navigator.onLine ? 'online' : 'offline'} · {wss}
        </Typography.Text>
        {error && <Typography.Text type="danger">{error}</Typography.Text>}
      </Space>
    </Card>
  )
}
