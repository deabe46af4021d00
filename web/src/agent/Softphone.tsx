import { useEffect, useRef, useState } from 'react'
import { Button, Card, Input, Select, Slider, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import type { Web } from 'sip.js'
import { rememberPassword, rememberedPassword, setPhone, type PhoneStatus } from './phoneStore'

type Status = PhoneStatus

// Softphone registers the agent's extension with the switch over SIP on a
// WebSocket (SIP.js), when the tenant configured sip_wss_url: calls then
// ring and are answered in the browser. SIP.js loads only here. ext is the
// extension (softphoneExtension: the signed-in device, else the user's
// assigned one), so the phone works before the agent signs in to queues;
// the desktop remounts this component when ext changes. A password given
// in this tab is remembered in sessionStorage and registers again by
// itself (reload, sign-in on another extension).
export default function Softphone({ device: ext }: { device?: string }) {
  const { t } = useTranslation()
  const settings = useQuery({ queryKey: ['desktop', 'settings'], queryFn: () => unwrap(client.GET('/api/v1/desktop/settings')), staleTime: 300_000 })
  const [status, setStatus] = useState<Status>('off')
  const [password, setPassword] = useState(() => (ext && rememberedPassword(ext)) || '')
  const [mics, setMics] = useState<MediaDeviceInfo[]>([])
  const [mic, setMic] = useState<string>()
  const [volume, setVolume] = useState(80)
  const [error, setError] = useState<string>()
  const audio = useRef<HTMLAudioElement>(null)
  const user = useRef<Web.SimpleUser>()
  const wss = settings.data?.sip_wss_url
  const [online, setOnline] = useState(() => navigator.onLine)

  useEffect(() => {
    if (audio.current) audio.current.volume = volume / 100
  }, [volume])
  useEffect(
    () => () => {
      void user.current?.disconnect()
      user.current = undefined
      setPhone({ status: 'off' })
    },
    [],
  )
  useEffect(() => {
    const on = () => setOnline(navigator.onLine)
    window.addEventListener('online', on)
    window.addEventListener('offline', on)
    return () => {
      window.removeEventListener('online', on)
      window.removeEventListener('offline', on)
    }
  }, [])
  // The rest of the desktop (the dial pad) sees the phone's status.
  useEffect(() => {
    setPhone({
      ext,
      status,
      call:
        status === 'registered' && ext && wss
          ? async (number: string) => {
              const domain = settings.data?.sip_domain || new URL(wss.replace(/^ws/, 'http')).hostname
              await user.current?.call(`sip:${number}@${domain}`)
              setStatus('in-call')
            }
          : undefined,
    })
  }, [ext, status, wss, settings.data?.sip_domain])
  async function connect() {
    if (!wss || !ext) return
    const domain = settings.data?.sip_domain || new URL(wss.replace(/^ws/, 'http')).hostname
    const password = rememberedPassword(ext) ?? ''
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
      if (user.current !== su) void su.disconnect() // unmounted meanwhile
      const devices = await navigator.mediaDevices?.enumerateDevices?.()
      setMics((devices ?? []).filter((d) => d.kind === 'audioinput'))
    } catch (e) {
      setError((e as Error).message)
      setStatus('disconnected')
    }
  }
  // Registers by itself when this tab already has the extension's password.
  const auto = useRef(false)
  useEffect(() => {
    if (auto.current || !wss || !ext || rememberedPassword(ext) == null) return
    auto.current = true
    void connect()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wss, ext])

  if (!wss || !ext) {
    return (
      <Card size="small" title={t('softphone.title')}>
        <Typography.Text type="secondary">{t('softphone.notConfigured')}</Typography.Text>
      </Card>
    )
  }
  const answer = () =>
    user.current?.answer({ sessionDescriptionHandlerOptions: { constraints: { audio: mic ? { deviceId: { exact: mic } } : true, video: false } } }).catch((e: Error) => setError(e.message))
  const color = status === 'registered' || status === 'in-call' ? 'green' : status === 'ringing' ? 'gold' : status === 'connecting' ? 'blue' : 'red'
  return (
    <Card size="small" title={`${t('softphone.title')} · ${ext}`} data-testid="softphone" extra={<Tag color={color}>{status === 'registered' || status === 'in-call' ? t('softphone.registered') : t('softphone.unregistered')}</Tag>}>
      <audio ref={audio} autoPlay />
      <Space direction="vertical" style={{ width: '100%' }}>
        {status === 'off' || status === 'disconnected' ? (
          <Space.Compact style={{ width: '100%' }}>
            <Input.Password aria-label={t('softphone.password')} placeholder={t('softphone.password')} value={password} onChange={(e) => setPassword(e.target.value)} />
            <Button
              type="primary"
              onClick={() => {
                rememberPassword(ext, password)
                void connect()
              }}
            >
              {t('softphone.register')}
            </Button>
          </Space.Compact>
        ) : (
          <Button
            onClick={() => {
              rememberPassword(ext, null)
              void user.current?.unregister().then(() => user.current?.disconnect())
            }}
          >
            {t('softphone.unregister')}
          </Button>
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
          {t('softphone.network')}: {online ? t('softphone.online') : t('softphone.offline')} · {wss}
        </Typography.Text>
        {error && <Typography.Text type="danger">{error}</Typography.Text>}
      </Space>
    </Card>
  )
}
