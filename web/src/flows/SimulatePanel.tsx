// Simulate: the same dry run as `ipcc flow run`, on the saved draft. The
// path lights up on the canvas node by node; prompts are listed with
// their text (TTS text can be spoken by the browser), then the variables
// and the outcome.
import { Alert, Button, Descriptions, Form, Input, Select, Slider, Space, Table, Tag, Typography } from 'antd'
import { memo, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, client, unwrap, type Schemas } from '../lib/api'

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
                <code>{v.node}</code> <Tag>{v.type}</Tag> → {v.outcome}
                {v.to ? ` → ${v.to}` : ''}
                {v.detail ? <Typography.Text type="secondary"> · {v.detail}</Typography.Text> : null}
              </li>
            ))}
          </ol>
          <Typography.Title level={5}>{t('flows.sim.prompts')}</Typography.Title>
          <ul className="flow-sim-prompts">
            {prompts.map((l, i) => {
              const m = /^tts\(([^)]+)\) "(.*)"$/.exec(l.detail ?? '')
              return (
                <li key={i}>
                  <Typography.Text type="secondary">{((l.at_ms ?? 0) / 1000).toFixed(1)}s</Typography.Text> {l.detail}
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
              <span data-testid="sim-outcome">
                {outcome?.kind}
                {outcome?.transfer ? ` ${outcome.transfer.kind} ${outcome.transfer.target}` : ''}
                {outcome?.node ? ` @ ${outcome.node}` : ''}
                {outcome?.reason ? ` (${outcome.reason})` : ''}
              </span>
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
