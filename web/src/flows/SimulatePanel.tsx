// Simulate: the same dry run as `ipcc flow run`, on the saved draft. The
// path lights up on the canvas node by node; prompts are listed with
// their text (TTS text can be spoken by the browser; a prompt of the
// prompts library shows its text or file and plays through the API), then
// the variables and the outcome.
import { Alert, Button, Descriptions, Form, Input, Select, Slider, Space, Table, Tag, Typography } from 'antd'
import { memo, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, client, fetchAudio, unwrap, type Schemas } from '../lib/api'
import { noteText, outcomeText } from './simNotes'

export type SimResult = Schemas['ivrflows.DryRunResult']
type Visit = Schemas['ivrflows.Visit']

type Props = {
  flowId: string
  flush: () => Promise<void>
  onPath: (visits: Visit[], step: number) => void
}

// localInput gives "2026-10-01T12:30" for a date in the browser's zone.
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

function rfc3339(local: string): string {
  const d = new Date(local)
  const off = -d.getTimezoneOffset()
  const sign = off >= 0 ? '+' : '-'
  const p = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0')
  return `${local.length === 16 ? local + ':00' : local}${sign}${p(off / 60)}:${p(off % 60)}`
}

export const SimulatePanel = memo(function SimulatePanel({ flowId, flush, onPath }: Props) {
  const { t } = useTranslation()
  const [caller, setCaller] = useState('13800000000')
  const [did, setDid] = useState('')
  const [at, setAt] = useState(localInput(new Date()))
  const [dtmf, setDtmf] = useState('')
  const [sched, setSched] = useState('open')
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState<string>()
  const [res, setRes] = useState<SimResult>()
  const [step, setStep] = useState(0)
  const [playing, setPlaying] = useState(false)
  const visits = res?.result?.visits ?? []

  useEffect(() => onPath(visits, step), [res, step]) // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!playing) return
    if (step >= visits.length) {
      setPlaying(false)
      return
    }
    const h = setTimeout(() => setStep((s) => s + 1), 600)
    return () => clearTimeout(h)
  }, [playing, step, visits.length])
  useEffect(() => () => onPath([], 0), []) // eslint-disable-line react-hooks/exhaustive-deps

  const run = async () => {
    setBusy(true)
    setErr(undefined)
    try {
      await flush()
      const r = await unwrap(
        client.POST('/api/v1/flows/{id}/simulate', {
          params: { path: { id: flowId } },
          body: { caller, did, dtmf, at: at ? rfc3339(at) : undefined, schedules: { '*': sched }, sms: true },
        }),
      )
      setRes(r)
      setStep(0)
      setPlaying(true)
    } catch (e) {
      setRes(undefined)
      setErr(e instanceof ApiError ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }

  const speak = (text: string, lang: string) => {
    if (!('speechSynthesis' in window)) return
    const u = new SpeechSynthesisUtterance(text)
    u.lang = lang
    window.speechSynthesis.speak(u)
  }

  const [audio, setAudio] = useState<{ key: string; url: string }>()
  const [audioErr, setAudioErr] = useState<string>()
  const play = async (key: string, path: string) => {
    setAudioErr(undefined)
    try {
      const url = await fetchAudio(path)
      setAudio((old) => {
        if (old) URL.revokeObjectURL(old.url)
        return { key, url }
      })
    } catch (e) {
      setAudioErr((e as Error).message)
    }
  }

  const outcome = res?.result?.outcome
  const prompts = (res?.lines ?? []).filter((l) => l.kind === 'play')
  return (
    <div aria-label={t('flows.simulate')} role="region">
      <Form layout="vertical" size="small" onSubmitCapture={(e) => e.preventDefault()}>
        <Space wrap>
          <Form.Item label={t('flows.sim.caller')}>
            <Input aria-label={t('flows.sim.caller')} value={caller} onChange={(e) => setCaller(e.target.value)} style={{ width: 140 }} />
          </Form.Item>
          <Form.Item label={t('flows.sim.did')}>
            <Input aria-label={t('flows.sim.did')} value={did} onChange={(e) => setDid(e.target.value)} style={{ width: 110 }} />
          </Form.Item>
        </Space>
        <Form.Item label={t('flows.sim.at')}>
          <Input aria-label={t('flows.sim.at')} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
        </Form.Item>
        <Form.Item label={t('flows.sim.keys')} extra={t('flows.sim.keysHelp')}>
          <Input aria-label={t('flows.sim.keys')} value={dtmf} placeholder="1,2#" onChange={(e) => setDtmf(e.target.value)} onPressEnter={run} />
        </Form.Item>
        <Form.Item label={t('flows.sim.schedules')}>
          <Select aria-label={t('flows.sim.schedules')} value={sched} onChange={setSched} options={['open', 'lunch', 'holiday', 'closed'].map((b) => ({ value: b, label: t(`flows.branch.${b}`) }))} />
        </Form.Item>
        <Button type="primary" loading={busy} onClick={run}>
          {t('flows.sim.run')}
        </Button>
      </Form>
      {err && <Alert style={{ marginTop: 8 }} type="error" message={err} />}
      {res && (
        <div style={{ marginTop: 12 }}>
          <Space>
            <Button size="small" onClick={() => (step >= visits.length ? (setStep(0), setPlaying(true)) : setPlaying(!playing))}>
              {playing ? t('flows.sim.pause') : t('flows.sim.replay')}
            </Button>
            <Typography.Text type="secondary">{t('flows.sim.step', { n: Math.min(step, visits.length), total: visits.length })}</Typography.Text>
          </Space>
          <Slider min={0} max={visits.length} value={step} onChange={(v) => (setPlaying(false), setStep(v))} aria-label={t('flows.sim.stepLabel')} />
          <ol className="flow-sim-path" aria-label={t('flows.sim.path')}>
            {visits.map((v, i) => (
              <li key={i} className={i < step ? 'done' : ''}>
                <code>{v.node}</code> <Tag>{t(`flows.type.${v.type}`, { defaultValue: v.type })}</Tag> → {v.outcome}
                {v.to ? ` → ${v.to}` : ''}
                {v.detail ? (
                  <Typography.Text type="secondary" title={v.detail_note ? v.detail : undefined}>
                    {' · '}
                    {noteText(t, v.detail_note, v.detail)}
                  </Typography.Text>
                ) : null}
              </li>
            ))}
          </ol>
          <Typography.Title level={5}>{t('flows.sim.prompts')}</Typography.Title>
          {audioErr && <Alert type="error" message={audioErr} closable onClose={() => setAudioErr(undefined)} />}
          {audio && <audio key={audio.key} data-testid="sim-audio" data-prompt={audio.key} src={audio.url} controls autoPlay style={{ width: '100%' }} />}
          <ul className="flow-sim-prompts">
            {prompts.map((l, i) => {
              const p = l.prompt
              const at = <Typography.Text type="secondary">{((l.at_ms ?? 0) / 1000).toFixed(1)}s</Typography.Text>
              if (p) {
                // A library prompt: its text (TTS, in the language played)
                // or its file, and the prompt itself to listen to.
                return (
                  <li key={i} data-library={p.library}>
                    {at} <Tag color="blue">{t('flows.sim.library')}</Tag>
                    <code>{p.library}</code> {p.kind === 'tts' ? <>({p.lang}) “{p.text}”</> : <>{p.file}</>}
                    {p.audio_url && (
                      <Button size="small" type="link" onClick={() => void play(`${p.library}/${p.lang ?? ''}`, p.audio_url ?? '')}>
                        {t('flows.sim.play')}
                      </Button>
                    )}
                  </li>
                )
              }
              const m = /^tts\(([^)]+)\) "(.*)"$/.exec(l.detail ?? '')
              return (
                <li key={i}>
                  {at} {l.detail}
                  {m && (
                    <Button size="small" type="link" onClick={() => speak(m[2], m[1])}>
                      {t('flows.sim.speak')}
                    </Button>
                  )}
                </li>
              )
            })}
          </ul>
          <Descriptions size="small" column={1} bordered title={t('flows.sim.outcome')}>
            <Descriptions.Item label={t('flows.sim.outcome')}>
              <span data-testid="sim-outcome">{outcomeText(t, outcome)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('flows.sim.language')}>{res.result?.language}</Descriptions.Item>
          </Descriptions>
          <Table
            size="small"
            style={{ marginTop: 8 }}
            pagination={false}
            rowKey="k"
            columns={[
              { title: t('flows.sim.variable'), dataIndex: 'k' },
              { title: t('flows.sim.value'), dataIndex: 'v' },
            ]}
            dataSource={Object.entries(res.result?.vars ?? {}).map(([k, v]) => ({ k, v: typeof v === 'string' ? v : JSON.stringify(v) }))}
          />
        </div>
      )}
    </div>
  )
})
