// The scoring page: the recording (an <audio> element, a canvas waveform of
// both channels, speed, jumps to the call's events, comments pinned to a
// time), the speech analytics, and the template's form. Drafts are saved;
// the total is computed by the server.
import { useEffect, useMemo, useRef, useState } from 'react'
import { Alert, App, Button, Card, Col, Descriptions, Input, InputNumber, List, Radio, Row, Select, Space, Statistic, Tag, Typography } from 'antd'
import { useNavigate, useParams } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, fetchAudio, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime, fmtDuration } from '../lib/format'
import { errText } from './errors'
import { Waveform } from './Waveform'
import type { R } from './directory'
import type { QAMe } from './QAConsole'

type Item = Schemas['qa.Item']
type Pin = R<Schemas['qa.Pin']>
type Score = R<Schemas['qa.ScoreView']>
type Analytics = R<Schemas['qa.AnalyticsView']>
type Peaks = R<Schemas['api.qaPeaks']>
type Ev = R<Schemas['api.qaEvent']>
type Change = R<Schemas['store.QAScoreChange']>

export function ScorePage({ me }: { me: QAMe }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const nav = useNavigate()
  const qc = useQueryClient()
  const params = useParams()
  const [scoreId, setScoreId] = useState(params.id ?? '')
  const score = useQuery({ queryKey: ['qa', 'score', scoreId], enabled: !!scoreId, queryFn: () => unwrap(client.GET('/api/v1/qa/scores/{id}', { params: { path: { id: scoreId } } })) as Promise<Score> })
  const work = useQuery({ queryKey: ['qa', 'work', params.task], enabled: !!params.task, queryFn: () => unwrap(client.GET('/api/v1/qa/work', { params: { query: { task: params.task } } as never })) as Promise<R<Schemas['qa.TaskCallView']>[]> })
  const pick = work.data?.find((c) => c.call_id === params.call)
  // A calibration session (/qa/calibrate/:cal): its call and template, and
  // the caller's own score of it when there is one.
  const calId = score.data?.calibration_id || params.cal || ''
  const cal = useQuery({ queryKey: ['qa', 'calibration', calId], enabled: !!calId, queryFn: () => unwrap(client.GET('/api/v1/qa/calibrations/{id}', { params: { path: { id: calId } } })) })
  const calScores = useQuery({ queryKey: ['qa', 'scores', 'calibration', params.cal], enabled: !!params.cal && !scoreId, queryFn: () => unwrap(client.GET('/api/v1/qa/scores', { params: { query: { calibration: params.cal } } as never })) as Promise<Score[]> })
  const myCalScore = calScores.data?.find((x) => x.scorer_id === me.id)?.id
  useEffect(() => {
    if (pick?.score_id && !scoreId) setScoreId(pick.score_id)
    if (myCalScore && !scoreId) setScoreId(myCalScore)
  }, [pick?.score_id, myCalScore]) // eslint-disable-line react-hooks/exhaustive-deps
  const callId = score.data?.call_id ?? params.call ?? cal.data?.call_id ?? ''
  const recId = score.data?.recording_id || pick?.recording_id || cal.data?.recording_id || ''
  const taskId = score.data?.task_id ?? params.task ?? ''
  const tasks = useQuery({ queryKey: ['qa', 'tasks'], enabled: !!taskId && taskId !== 'manual' && !score.data, queryFn: () => unwrap(client.GET('/api/v1/qa/tasks')) })
  const tplId = score.data?.template_id ?? cal.data?.template_id ?? tasks.data?.find((x) => x.id === taskId)?.template_id
  const [manualTpl, setManualTpl] = useState<string>()
  const tpls = useQuery({ queryKey: ['qa', 'templates'], enabled: me.role !== 'agent', queryFn: () => unwrap(client.GET('/api/v1/qa/templates')) })
  const effTpl = tplId ?? manualTpl
  const tpl = useQuery({
    queryKey: ['qa', 'template', effTpl, score.data?.template_version], enabled: !!effTpl,
    queryFn: () => unwrap(client.GET('/api/v1/qa/templates/{id}', { params: { path: { id: effTpl! }, query: score.data ? { version: String(score.data.template_version) } : {} } as never })),
  })
  const analytics = useQuery({ queryKey: ['qa', 'analytics', recId], enabled: !!recId, queryFn: () => unwrap(client.GET('/api/v1/qa/recordings/{id}/analytics', { params: { path: { id: recId } } })) as Promise<Analytics> })
  const peaks = useQuery({ queryKey: ['qa', 'peaks', recId], enabled: !!recId, queryFn: () => unwrap(client.GET('/api/v1/qa/recordings/{id}/peaks', { params: { path: { id: recId } } })) as Promise<Peaks> })
  const events = useQuery({ queryKey: ['qa', 'events', callId], enabled: !!callId, queryFn: () => unwrap(client.GET('/api/v1/qa/calls/{id}/events', { params: { path: { id: callId } } })) as Promise<Ev[]> })

  const audio = useRef<HTMLAudioElement>(null)
  const [src, setSrc] = useState<string>()
  const [audioErr, setAudioErr] = useState('')
  const [pos, setPos] = useState(0)
  const [rate, setRate] = useState(1)
  useEffect(() => {
    if (!recId) return
    let url = ''
    fetchAudio(`/api/v1/qa/recordings/${encodeURIComponent(recId)}/audio`).then((u) => setSrc((url = u))).catch((e) => setAudioErr(errText(e)))
    return () => URL.revokeObjectURL(url)
  }, [recId])
  useEffect(() => {
    if (audio.current) audio.current.playbackRate = rate
  }, [rate, src])
  const seek = (s: number) => {
    if (audio.current) audio.current.currentTime = Math.max(0, s)
    setPos(Math.max(0, s))
  }

  const [answers, setAnswers] = useState<Record<string, string>>({})
  const [pins, setPins] = useState<Pin[]>([])
  const [comment, setComment] = useState('')
  const [pinText, setPinText] = useState('')
  const [err, setErr] = useState('')
  // The form takes the stored score once: a refetch after saving must not
  // undo what the scorer changed in the meantime.
  const loaded = useRef('')
  useEffect(() => {
    if (score.data && loaded.current !== score.data.id) {
      loaded.current = score.data.id
      setAnswers((score.data.answers ?? {}) as Record<string, string>)
      setPins((score.data.pins ?? []) as Pin[])
      setComment(score.data.comment ?? '')
    }
  }, [score.data?.id]) // eslint-disable-line react-hooks/exhaustive-deps
  const readOnly = !!score.data && (score.data.status === 'submitted' || score.data.scorer_id !== me.id)
  const save = async (submit: boolean) => {
    setErr('')
    try {
      const body = { call_id: callId, task_id: taskId, calibration_id: calId || undefined, template_id: effTpl, answers, pins, comment, submit }
      const v = scoreId
        ? await unwrap(client.PUT('/api/v1/qa/scores/{id}', { params: { path: { id: scoreId } }, body }))
        : await unwrap(client.POST('/api/v1/qa/scores', { body }))
      loaded.current = v.id ?? ''
      setScoreId(v.id ?? '')
      qc.invalidateQueries({ queryKey: ['qa'] })
      message.success(submit ? t('qa.score.submitted', { total: v.total }) : t('qa.score.draftSaved', { total: v.total }))
      if (submit) nav(`/qa/scores/${v.id}`, { replace: true })
    } catch (e) {
      setErr(errText(e))
    }
  }
  const marks = useMemo(() => (events.data ?? []).map((e) => e.at_ms / 1000).filter((x) => x >= 0), [events.data])
  const a = analytics.data
  const result = score.data?.result
  return (
    <Row gutter={16}>
      <Col xs={24} lg={14}>
        <Card title={t('qa.score.recording')} size="small">
          {!recId && <Alert type="info" message={t('qa.score.noRecording')} />}
          {audioErr && <Alert type="error" role="alert" message={audioErr} />}
          {peaks.data && <Waveform label={t('qa.score.waveform')} peaks={peaks.data.peaks} perSecond={peaks.data.per_second} channels={peaks.data.channels.map((c) => t(`qa.chan.${c}`))}
            position={pos} duration={(a?.duration_ms ?? 0) / 1000} onSeek={seek} marks={marks} />}
          <Space wrap style={{ marginTop: 8 }}>
            <audio ref={audio} src={src} controls aria-label={t('qa.score.player')} onTimeUpdate={(e) => setPos(e.currentTarget.currentTime)} />
            <label>{t('qa.score.speed')} <Select aria-label={t('qa.score.speed')} value={rate} onChange={setRate} style={{ width: 90 }} options={[0.75, 1, 1.25, 1.5, 2].map((r) => ({ value: r, label: `${r}×` }))} /></label>
          </Space>
          <div style={{ marginTop: 8 }}>
            <Typography.Text strong>{t('qa.score.events')}: </Typography.Text>
            {(events.data ?? []).filter((e) => e.at_ms >= 0).slice(0, 30).map((e, i) => (
              <Button key={i} size="small" style={{ margin: 2 }} onClick={() => seek(e.at_ms / 1000)}>{fmtDuration(e.at_ms)} {e.kind}</Button>
            ))}
            {(events.data ?? []).length === 0 && <Typography.Text type="secondary">–</Typography.Text>}
          </div>
          {a && (
            <Descriptions size="small" column={3} style={{ marginTop: 12 }} title={t('qa.score.analytics')}>
              <Descriptions.Item label={t('qa.metric.agent_talk_s')}>{fmtDuration(a.agent_talk_ms)}</Descriptions.Item>
              <Descriptions.Item label={t('qa.metric.caller_talk_s')}>{fmtDuration(a.caller_talk_ms)}</Descriptions.Item>
              <Descriptions.Item label={t('qa.metric.overtalk_s')}>{fmtDuration(a.overtalk_ms)}</Descriptions.Item>
              <Descriptions.Item label={t('qa.metric.silence_s')}>{fmtDuration(a.silence_ms)}</Descriptions.Item>
              <Descriptions.Item label={t('qa.metric.longest_silence_s')}>
                <a onClick={() => seek(a.longest_silence_at_ms / 1000)}>{fmtDuration(a.longest_silence_ms)}</a>
              </Descriptions.Item>
              <Descriptions.Item label={t('qa.metric.hold_music_s')}>{fmtDuration(a.hold_music_ms)}</Descriptions.Item>
              <Descriptions.Item label={t('qa.metric.talk_ratio')}>{Math.round(a.talk_ratio * 100)}%</Descriptions.Item>
            </Descriptions>
          )}
        </Card>
        <Card title={t('qa.score.pins')} size="small" style={{ marginTop: 12 }}>
          <List size="small" dataSource={pins} locale={{ emptyText: t('qa.score.noPins') }} renderItem={(p, i) => (
            <List.Item actions={readOnly ? [] : [<a key="x" onClick={() => setPins(pins.filter((_, j) => j !== i))}>{t('qa.tpl.removeItem')}</a>]}>
              <a onClick={() => seek(p.at_ms / 1000)}>{fmtDuration(p.at_ms)}</a> {p.text}
            </List.Item>
          )} />
          {!readOnly && (
            <Space.Compact style={{ width: '100%' }}>
              <Input aria-label={t('qa.score.pinText')} placeholder={t('qa.score.pinPh', { at: fmtDuration(pos * 1000) })} value={pinText} onChange={(e) => setPinText(e.target.value)} />
              <Button disabled={!pinText.trim()} onClick={() => { setPins([...pins, { at_ms: Math.round(pos * 1000), text: pinText.trim() }]); setPinText('') }}>{t('qa.score.pinAdd')}</Button>
            </Space.Compact>
          )}
        </Card>
      </Col>
      <Col xs={24} lg={10}>
        <Card size="small" title={tpl.data ? `${tpl.data.name} · v${tpl.data.version}` : t('qa.score.form')}
          extra={score.data && <Tag color={score.data.status === 'submitted' ? 'green' : 'orange'}>{t(`qa.status.${score.data.status}`)}</Tag>}>
          {!effTpl && taskId === 'manual' && (
            <Select aria-label={t('qa.tasks.template')} placeholder={t('qa.tasks.template')} style={{ width: '100%' }} onChange={setManualTpl} options={(tpls.data ?? []).map((x) => ({ value: x.id, label: x.name }))} />
          )}
          {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 8 }} />}
          {score.data && <Statistic title={t('qa.score.total')} value={score.data.total} precision={2} valueStyle={{ color: score.data.fatal ? '#cf1322' : undefined }} suffix={score.data.fatal ? <Tag color="red">{t('qa.score.fatal')}</Tag> : undefined} />}
          {(tpl.data?.sections ?? []).map((s) => (
            <div key={s.id} style={{ marginTop: 12 }}>
              <Typography.Title level={5}>{s.title} <Typography.Text type="secondary">({t('qa.tpl.weight')} {s.weight}{result ? ` · ${result.sections?.[s.id ?? ''] ?? 0}` : ''})</Typography.Text></Typography.Title>
              {(s.items ?? []).map((it) => (
                <ItemField key={it.id} item={it} value={answers[it.id ?? ''] ?? ''} readOnly={readOnly} earned={result?.items?.[it.id ?? '']} auto={result?.auto?.[it.id ?? '']}
                  onChange={(v) => setAnswers({ ...answers, [it.id ?? '']: v })} />
              ))}
            </div>
          ))}
          <Input.TextArea aria-label={t('qa.score.comment')} placeholder={t('qa.score.comment')} value={comment} disabled={readOnly} onChange={(e) => setComment(e.target.value)} rows={3} style={{ marginTop: 12 }} />
          {!readOnly && tpl.data && (
            <Space style={{ marginTop: 12 }}>
              <Button onClick={() => save(false)}>{t('qa.score.saveDraft')}</Button>
              <Button type="primary" onClick={() => save(true)}>{t('qa.score.submit')}</Button>
            </Space>
          )}
          {score.data?.history && score.data.history.length > 0 && (
            <List size="small" header={<b>{t('qa.score.history')}</b>} dataSource={score.data.history as Change[]} style={{ marginTop: 12 }}
              renderItem={(h) => <List.Item>{fmtDateTime(h.at)} · {t(`qa.action.${h.action.replace(' ', '_')}`)} {h.item_id && `· ${h.item_id}`} {h.old_value !== h.new_value && h.item_id ? `${h.old_value} → ${h.new_value}` : ''} {h.note && `· ${h.note}`}</List.Item>} />
          )}
        </Card>
      </Col>
    </Row>
  )
}

function ItemField({ item, value, onChange, readOnly, earned, auto }: { item: Item; value: string; onChange: (v: string) => void; readOnly: boolean; earned?: number; auto?: string }) {
  const { t } = useTranslation()
  const label = `${item.title}${item.fatal ? ` (${t('qa.score.fatal')})` : ''}`
  let input: JSX.Element
  if (item.auto) {
    input = <Tag color="blue">{t('qa.score.autoItem')}{auto ? `: ${auto}` : ''}</Tag>
  } else if (item.kind === 'yes_no') {
    input = <Radio.Group aria-label={label} disabled={readOnly} value={value} onChange={(e) => onChange(e.target.value)} options={[{ value: 'yes', label: t('qa.yes') }, { value: 'no', label: t('qa.no') }]} />
  } else if (item.kind === 'scale') {
    input = <Radio.Group aria-label={label} disabled={readOnly} value={value} onChange={(e) => onChange(e.target.value)} options={Array.from({ length: item.scale ?? 5 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))} />
  } else {
    input = <InputNumber aria-label={label} disabled={readOnly} min={0} max={item.max} value={value === '' ? null : Number(value)} onChange={(v) => onChange(v == null ? '' : String(v))} addonAfter={item.kind === 'deductions' ? t('qa.score.deducted', { max: item.max }) : `/ ${item.max}`} />
  }
  return (
    <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', padding: '4px 0', gap: 8 }}>
      <span>{label}{item.fatal && <Tag color="red" style={{ marginLeft: 4 }}>!</Tag>}</span>
      <Space>{input}{earned != null && <Typography.Text type="secondary">{earned}/{item.max}</Typography.Text>}</Space>
    </div>
  )
}
