import { useEffect, useMemo, useState } from 'react'
import { App as AntApp, Button, Card, Checkbox, Descriptions, Empty, Form, Input, InputNumber, Radio, Select, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { ApiError, client, unwrap, type Schemas } from '../lib/api'
import { useSession } from '../lib/session'
import { useEvents } from '../lib/ws'
import { errorText, live } from '../lib/live'
import { ScheduleCallback } from './ScheduleCallback'

type Campaign = Schemas['campaign.Campaign']
type Lead = Schemas['campaign.LeadView']
type Question = Schemas['campaign.Question']
type Disposition = Schemas['campaign.Disposition']

// Work is the campaign call the agent is on (or just had): its lead as
// the agent may see it, the attempt the result is entered on, and the
// script and dispositions to enter it with.
export type Work = { attempt: number; call?: string; campaign: string; lead: Lead; script: Question[]; dispositions: Disposition[]; ended?: string }

const own = new Set(['campaign', 'lead', 'attempt', 'name'])

// workFromEvent reads a campaign_call event (progressive and predictive
// calls, and a preview dial once the agent's phone answered): the lead's
// data come in vars, the number in caller (masked when the campaign masks).
export function workFromEvent(ev: { call?: string; caller?: string; vars?: Record<string, string> }, campaigns: Campaign[]): Work | null {
  const v = ev.vars ?? {}
  const attempt = Number(v.attempt)
  if (!v.campaign || !attempt) return null
  const c = campaigns.find((x) => x.id === v.campaign)
  const fields: Record<string, string> = {}
  for (const [k, val] of Object.entries(v)) if (!own.has(k)) fields[k] = val
  return {
    attempt,
    call: ev.call,
    campaign: v.campaign,
    lead: { lead_id: Number(v.lead), name: v.name, phone: ev.caller, masked: !!c?.settings?.mask_numbers, fields, campaign_id: v.campaign, campaign_name: c?.name },
    script: c?.settings?.script ?? [],
    dispositions: c?.settings?.dispositions ?? [],
  }
}

// answersOf keeps the questionnaire's given answers (left-out ones are not
// sent: the API says which required ones are missing).
export function answersOf(values: Record<string, unknown>, script: Question[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const q of script) {
    const v = values[`q_${q.id}`]
    if (v === undefined || v === null || v === '') continue
    out[q.id!] = v
  }
  return out
}

function LeadInfo({ lead }: { lead: Lead }) {
  const { t } = useTranslation()
  return (
    <Descriptions size="small" column={1} bordered data-testid="campaign-lead">
      <Descriptions.Item label={t('agent.campaign.name')}>{lead.name || '–'}</Descriptions.Item>
      <Descriptions.Item label={t('agent.campaign.number')}>
        <Space>
          <Typography.Text strong>{lead.phone || '–'}</Typography.Text>
          {lead.masked && <Tag color="purple">{t('agent.campaign.masked')}</Tag>}
        </Space>
      </Descriptions.Item>
      {Object.entries(lead.fields ?? {}).map(([k, v]) => (
        <Descriptions.Item key={k} label={k}>
          {v}
        </Descriptions.Item>
      ))}
      {lead.attempts != null && <Descriptions.Item label={t('agent.campaign.attempts')}>{lead.attempts}</Descriptions.Item>}
    </Descriptions>
  )
}

function Question({ q }: { q: Question }) {
  const { t } = useTranslation()
  const name = `q_${q.id}`
  const rules = q.required ? [{ required: true, message: t('agent.campaign.required') }] : []
  let input = <Input.TextArea rows={2} maxLength={2000} />
  if (q.kind === 'yes_no') {
    input = (
      <Radio.Group>
        <Radio value={true}>{t('agent.campaign.yes')}</Radio>
        <Radio value={false}>{t('agent.campaign.no')}</Radio>
      </Radio.Group>
    )
  } else if (q.kind === 'choice') {
    input = <Select allowClear aria-label={q.text} options={(q.options ?? []).map((o) => ({ value: o, label: o }))} />
  } else if (q.kind === 'number') {
    input = <InputNumber style={{ width: 160 }} />
  }
  return (
    <Form.Item name={name} label={q.text} rules={rules}>
      {input}
    </Form.Item>
  )
}

// DispositionForm: the questionnaire's answers, the result (disposition)
// and a note of the campaign call, entered during the call or after it.
function DispositionForm({ work, onSaved }: { work: Work; onSaved: () => void }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const [busy, setBusy] = useState(false)
  const [form] = Form.useForm()
  const save = async (values: Record<string, unknown>) => {
    setBusy(true)
    try {
      await unwrap(
        client.POST('/api/v1/agent/attempts/{id}/disposition', {
          params: { path: { id: String(work.attempt) } },
          body: { code: values.code as string, answers: answersOf(values, work.script), note: (values.note as string) || undefined },
        }),
      )
      message.success(live((t) => t('agent.campaign.saved')))
      onSaved()
    } catch (e) {
      message.error(live((t) => t('call.failed', { action: t('agent.campaign.save'), message: errorText(t, e) })))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Form form={form} layout="vertical" onFinish={(v) => void save(v)} aria-label={t('agent.campaign.script')}>
      {work.script.length > 0 && <Typography.Title level={5}>{t('agent.campaign.script')}</Typography.Title>}
      {work.script.map((q) => (
        <Question key={q.id} q={q} />
      ))}
      <Form.Item name="code" label={t('agent.campaign.disposition')} rules={[{ required: true, message: t('agent.campaign.required') }]}>
        <Select aria-label={t('agent.campaign.disposition')} options={work.dispositions.map((d) => ({ value: d.code, label: d.label || d.code }))} />
      </Form.Item>
      <Form.Item name="note" label={t('agent.campaign.note')}>
        <Input maxLength={500} />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('agent.campaign.save')}
      </Button>
    </Form>
  )
}

// Campaigns (外呼任务) on the agent desktop: preview campaigns (take the
// next customer, see their data — the number masked when the campaign
// masks numbers —, dial or skip with a reason), the lead of a progressive
// or predictive call popped with the call (campaign_call), and the result
// and questionnaire answers entered after either, with "call back at…" (a
// scheduled call-back of the lead, the campaign's grace period). Nothing shows for an
// agent whose queues run no campaign.
export default function Campaigns() {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const me = useSession()?.user.id
  const list = useQuery({ queryKey: ['agent', 'campaigns'], queryFn: () => unwrap(client.GET('/api/v1/agent/campaigns')) as Promise<Campaign[]>, refetchInterval: 60_000 })
  const campaigns = useMemo(() => list.data ?? [], [list.data])
  const [chosen, setChosen] = useState<string>()
  const [lead, setLead] = useState<Lead | null>(null)
  const [work, setWork] = useState<Work | null>(null)
  const [busy, setBusy] = useState<string>()
  const [noLead, setNoLead] = useState(false)
  const [skipReason, setSkipReason] = useState('')
  const [skipFinal, setSkipFinal] = useState(false)
  const [callBack, setCallBack] = useState(false)
  const current = campaigns.find((c) => c.id === chosen) ?? campaigns.find((c) => c.type === 'preview') ?? campaigns[0]
  useEffect(() => setNoLead(false), [current?.id])

  useEvents((ev) => {
    if (ev.agent && ev.agent !== me) return
    if (ev.type === 'campaign_call') {
      const w = workFromEvent(ev, campaigns)
      if (w) setWork((old) => (old?.attempt === w.attempt ? { ...old, call: w.call } : w))
    }
    if (ev.type === 'campaign_call_ended') setWork((old) => (old && (!ev.call || old.call === ev.call) ? { ...old, ended: ev.reason || 'ended' } : old))
    if (ev.type === 'resync') void list.refetch()
  })

  if (!work && campaigns.length === 0) return null

  const run = async (key: string, f: () => Promise<void>) => {
    setBusy(key)
    try {
      await f()
    } catch (e) {
      message.error(live((t) => t('call.failed', { action: t(`agent.campaign.${key}`), message: errorText(t, e) })))
    } finally {
      setBusy(undefined)
    }
  }
  const next = () =>
    run('next', async () => {
      setNoLead(false)
      try {
        setLead(await unwrap(client.POST('/api/v1/agent/campaigns/{id}/preview', { params: { path: { id: current!.id! } } })))
      } catch (e) {
        if (e instanceof ApiError && e.code === 'no_lead') {
          setNoLead(true)
          return
        }
        throw e
      }
    })
  const dial = () =>
    run('dial', async () => {
      const r = await unwrap(client.POST('/api/v1/agent/leads/{id}/dial', { params: { path: { id: String(lead!.lead_id) } } }))
      setWork({ attempt: r.attempt_id!, call: r.call_id, campaign: lead!.campaign_id!, lead: lead!, script: lead!.script ?? [], dispositions: lead!.dispositions ?? [] })
      setLead(null)
    })
  const skip = () =>
    run('skip', async () => {
      await unwrap(client.POST('/api/v1/agent/leads/{id}/skip', { params: { path: { id: String(lead!.lead_id) } }, body: { reason: skipReason.trim(), final: skipFinal } }))
      message.info(live((t) => t('agent.campaign.skipped')))
      setLead(null)
      setSkipReason('')
      setSkipFinal(false)
    })

  return (
    <Card
      size="small"
      title={t('agent.campaign.title')}
      aria-label={t('agent.campaign.title')}
      extra={
        campaigns.length > 0 && (
          <Select
            aria-label={t('agent.campaign.choose')}
            style={{ width: 220 }}
            value={current?.id}
            disabled={!!lead || !!work}
            onChange={setChosen}
            options={campaigns.map((c) => ({ value: c.id, label: c.name || c.id }))}
          />
        )
      }
    >
      {work ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text type={work.ended ? 'secondary' : undefined}>
            {work.ended ? t('agent.campaign.ended', { reason: work.ended }) : t('agent.campaign.onCall', { name: work.lead.name || work.lead.phone || '' })}
          </Typography.Text>
          <LeadInfo lead={work.lead} />
          <Button onClick={() => setCallBack(true)}>{t('callbacks.schedule.open')}</Button>
          <ScheduleCallback
            open={callBack}
            leadId={work.lead.lead_id}
            callId={work.call}
            graceMs={campaigns.find((c) => c.id === work.campaign)?.settings?.callback_grace_ms}
            onClose={() => setCallBack(false)}
          />
          <DispositionForm work={work} onSaved={() => setWork(null)} />
        </Space>
      ) : lead ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <LeadInfo lead={lead} />
          <Space wrap>
            <Button type="primary" loading={busy === 'dial'} disabled={!!busy} onClick={() => void dial()}>
              {t('agent.campaign.dial')}
            </Button>
            <Input aria-label={t('agent.campaign.skipReason')} placeholder={t('agent.campaign.skipReason')} style={{ width: 200 }} value={skipReason} onChange={(e) => setSkipReason(e.target.value)} maxLength={200} />
            <Checkbox checked={skipFinal} onChange={(e) => setSkipFinal(e.target.checked)}>
              {t('agent.campaign.skipFinal')}
            </Checkbox>
            <Button loading={busy === 'skip'} disabled={!!busy || !skipReason.trim()} title={skipReason.trim() ? undefined : t('agent.campaign.skipNeedsReason')} onClick={() => void skip()}>
              {t('agent.campaign.skip')}
            </Button>
          </Space>
          {busy === 'dial' && <Typography.Text type="secondary">{t('agent.campaign.dialing')}</Typography.Text>}
        </Space>
      ) : current?.type === 'preview' ? (
        <Space direction="vertical">
          <Button type="primary" loading={busy === 'next'} onClick={() => void next()}>
            {t('agent.campaign.next')}
          </Button>
          {noLead && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('agent.campaign.noLead')} />}
        </Space>
      ) : (
        <Typography.Text type="secondary">{t('agent.campaign.comesToYou')}</Typography.Text>
      )}
    </Card>
  )
}
