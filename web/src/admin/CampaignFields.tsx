// The campaign drawer's form (CampaignsPage.tsx), in tabs: basics, calling
// window, retry rules, script (问卷), dispositions (wrap-up codes), pacing
// and — for IVR broadcasts — the message and keys. Every tab is rendered
// (forceRender) so the API's message lands at its field whichever tab is
// open; the page opens the tab of a refused field (tabOf).
import { useEffect } from 'react'
import { Alert, Button, Card, Form, Input, InputNumber, Radio, Select, Space, Switch, Tabs, Typography, type FormInstance } from 'antd'
import { useTranslation } from 'react-i18next'
import type { Schemas } from '../lib/api'
import { MsInput, TagsInput } from './inputs'
import { DayList } from './RoutesPage'
import { campaignTypes, complianceProfiles, keyActions, outcomes, questionKinds, weekdays } from './campaignForms'

type Campaign = Schemas['campaign.Campaign']
type Named = { id?: string; name?: string }

// MinutesInput edits a duration kept in milliseconds, shown in minutes.
function MinutesInput({ value, onChange, id, disabled, ...rest }: { value?: number; onChange?: (v: number | undefined) => void; id?: string; disabled?: boolean; 'aria-label'?: string }) {
  const { t } = useTranslation()
  return (
    <InputNumber
      id={id}
      aria-label={rest['aria-label']}
      disabled={disabled}
      style={{ width: 170 }}
      min={0}
      addonAfter={t('campaigns.form.minutes')}
      value={value == null ? undefined : Math.round((value / 60_000) * 100) / 100}
      onChange={(v) => onChange?.(v == null ? undefined : Math.round(Number(v) * 60_000))}
    />
  )
}

export function CampaignFields({
  editing,
  form,
  queues,
  schedules,
  pools,
  tab,
  setTab,
}: {
  editing: Campaign | null
  form: FormInstance
  queues: Named[]
  schedules: Named[]
  pools: Named[]
  tab: string
  setTab: (k: string) => void
}) {
  const { t } = useTranslation()
  const type = Form.useWatch('type', form)
  // The drawer is built anew each time it opens: start on the first tab.
  useEffect(() => setTab('basics'), []) // eslint-disable-line react-hooks/exhaustive-deps
  const items = [
    { key: 'basics', label: t('campaigns.tabs.basics'), children: <Basics editing={editing} form={form} queues={queues} pools={pools} /> },
    { key: 'window', label: t('campaigns.tabs.window'), children: <WindowTab form={form} schedules={schedules} /> },
    { key: 'retry', label: t('campaigns.tabs.retry'), children: <RetryTab form={form} /> },
    { key: 'script', label: t('campaigns.tabs.script'), children: <ScriptTab form={form} /> },
    { key: 'dispositions', label: t('campaigns.tabs.dispositions'), children: <DispositionsTab form={form} /> },
    { key: 'pacing', label: t('campaigns.tabs.pacing'), children: <PacingTab type={type} /> },
    ...(type === 'ivr_broadcast' ? [{ key: 'broadcast', label: t('campaigns.tabs.broadcast'), children: <BroadcastTab /> }] : []),
  ]
  return <Tabs activeKey={items.some((i) => i.key === tab) ? tab : 'basics'} onChange={setTab} items={items.map((i) => ({ ...i, forceRender: true }))} />
}

function Basics({ editing, form, queues, pools }: { editing: Campaign | null; form: FormInstance; queues: Named[]; pools: Named[] }) {
  const { t } = useTranslation()
  const type = Form.useWatch('type', form)
  return (
    <>
      <Space size="large" wrap>
        <Form.Item name="id" label={t('admin.campaigns.id')} extra={t('admin.campaigns.idHint')}>
          <Input disabled={!!editing} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="name" label={t('admin.campaigns.name')}>
          <Input style={{ width: 260 }} />
        </Form.Item>
      </Space>
      <Form.Item name="type" label={t('admin.campaigns.type')} extra={editing && editing.status !== 'draft' ? t('admin.campaigns.typeFixed') : undefined}>
        <Select disabled={!!editing && editing.status !== 'draft'} options={campaignTypes.map((x) => ({ value: x, label: t(`admin.campaigns.types.${x}`) }))} />
      </Form.Item>
      <Form.Item name={['settings', 'queue_id']} label={t('admin.campaigns.queue')} extra={type === 'ivr_broadcast' ? t('campaigns.form.queueBroadcast') : undefined}>
        <Select allowClear showSearch optionFilterProp="label" options={queues.map((q) => ({ value: q.id ?? '', label: `${q.name ?? ''} (${q.id})` }))} />
      </Form.Item>
      <Space size="large" wrap>
        <Form.Item name={['settings', 'caller_id_pool']} label={t('admin.campaigns.pool')}>
          <Select allowClear style={{ width: 240 }} options={pools.map((p) => ({ value: p.id ?? '', label: p.name ? `${p.name} (${p.id})` : p.id }))} />
        </Form.Item>
        <Form.Item name={['settings', 'caller_id']} label={t('campaigns.form.callerId')} extra={t('campaigns.form.callerIdHint')}>
          <Input style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name={['settings', 'trunk']} label={t('campaigns.form.trunk')} extra={t('campaigns.form.trunkHint')}>
          <Input style={{ width: 200 }} />
        </Form.Item>
      </Space>
      <Space size="large" wrap>
        <Form.Item name={['settings', 'mask_numbers']} label={t('admin.campaigns.mask')} valuePropName="checked" extra={t('admin.campaigns.maskHint')}>
          <Switch />
        </Form.Item>
        {type === 'progressive' && (
          <Form.Item name={['settings', 'agent_first']} label={t('campaigns.form.agentFirst')} valuePropName="checked" extra={t('campaigns.form.agentFirstHint')}>
            <Switch />
          </Form.Item>
        )}
        <Form.Item name={['settings', 'default_country']} label={t('campaigns.form.country')} extra={t('campaigns.form.countryHint')}>
          <Input style={{ width: 120 }} placeholder="86" />
        </Form.Item>
      </Space>
      <Space size="large" wrap>
        <Form.Item name={['settings', 'ring_timeout_ms']} label={t('campaigns.form.ringTimeout')} extra={t('campaigns.form.defaultSeconds', { n: 30 })}>
          <MsInput />
        </Form.Item>
        <Form.Item name={['settings', 'agent_ring_timeout_ms']} label={t('campaigns.form.agentRingTimeout')} extra={t('campaigns.form.defaultSeconds', { n: 10 })}>
          <MsInput />
        </Form.Item>
        <Form.Item name={['settings', 'wrap_up_ms']} label={t('campaigns.form.wrapUp')} extra={t('campaigns.form.defaultSeconds', { n: 15 })}>
          <MsInput />
        </Form.Item>
      </Space>
    </>
  )
}

function WindowTab({ form, schedules }: { form: FormInstance; schedules: Named[] }) {
  const { t } = useTranslation()
  const mode = Form.useWatch('window_mode', form)
  return (
    <>
      <Typography.Paragraph type="secondary">{t('campaigns.form.windowIntro')}</Typography.Paragraph>
      <Form.Item name="window_mode" label={t('campaigns.form.windowMode')}>
        <Radio.Group
          options={['default', 'schedule', 'own'].map((m) => ({ value: m, label: t(`campaigns.form.windowModes.${m}`) }))}
          optionType="button"
        />
      </Form.Item>
      {mode === 'schedule' && (
        <Form.Item name={['settings', 'schedule_id']} label={t('admin.campaigns.schedule')}>
          <Select allowClear style={{ width: 260 }} options={schedules.map((s) => ({ value: s.id ?? '', label: s.name }))} />
        </Form.Item>
      )}
      <Form.Item name={['settings', 'timezone']} label={t('admin.campaigns.timezone')} extra={t('admin.campaigns.timezoneHint')}>
        <Input style={{ width: 220 }} placeholder="Asia/Shanghai" />
      </Form.Item>
      <div style={{ display: mode === 'own' ? undefined : 'none' }}>
        <Typography.Title level={5}>{t('campaigns.form.hours')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('admin.schedules.weeklyHint')}</Typography.Paragraph>
        {weekdays.map((d) => (
          <Form.Item key={d} name={['settings', 'window', 'weekly', d]} label={t(`admin.schedules.days.${d}`)} style={{ marginBottom: 8 }}>
            <TagsInput placeholder="09:00-21:00" />
          </Form.Item>
        ))}
        <Form.Item name={['settings', 'window', 'lunch']} label={t('campaigns.form.pauses')}>
          <TagsInput placeholder="12:00-13:30" />
        </Form.Item>
        <DayList name={['settings', 'window', 'holidays']} title={t('admin.schedules.holidays')} />
        <DayList name={['settings', 'window', 'special_working_days']} title={t('admin.schedules.special')} special />
      </div>
    </>
  )
}

function RetryTab({ form }: { form: FormInstance }) {
  const { t } = useTranslation()
  const retry = Form.useWatch(['settings', 'retry'], form) as Record<string, { retry?: boolean }> | undefined
  return (
    <>
      <Space size="large" wrap>
        <Form.Item name={['settings', 'max_attempts']} label={t('admin.campaigns.maxAttempts')} extra={t('admin.campaigns.maxAttemptsHint')}>
          <InputNumber min={0} max={100} />
        </Form.Item>
        <Form.Item name={['settings', 'max_attempts_per_day']} label={t('admin.campaigns.maxPerDay')} extra={t('campaigns.form.maxPerDayHint')}>
          <InputNumber min={0} max={100} />
        </Form.Item>
      </Space>
      <Typography.Paragraph type="secondary">{t('campaigns.form.retryIntro')}</Typography.Paragraph>
      <section aria-label={t('campaigns.tabs.retry')}>
        {outcomes.map((o) => {
          const label = t(`campaigns.outcomes.${o}`)
          return (
            <Space key={o} align="baseline" wrap style={{ display: 'flex' }}>
              <span style={{ display: 'inline-block', width: 150 }}>{label}</span>
              <Form.Item name={['settings', 'retry', o, 'retry']} valuePropName="checked" style={{ marginBottom: 8 }}>
                <Switch aria-label={`${t('campaigns.form.retry')} ${label}`} checkedChildren={t('campaigns.form.retryOn')} unCheckedChildren={t('campaigns.form.retryOff')} />
              </Form.Item>
              <Form.Item name={['settings', 'retry', o, 'delay_ms']} style={{ marginBottom: 8 }}>
                <MinutesInput aria-label={`${t('campaigns.form.retryAfter')} ${label}`} disabled={!retry?.[o]?.retry} />
              </Form.Item>
            </Space>
          )
        })}
      </section>
    </>
  )
}

function ScriptTab({ form }: { form: FormInstance }) {
  const { t } = useTranslation()
  const script = (Form.useWatch(['settings', 'script'], form) ?? []) as { kind?: string }[]
  return (
    <>
      <Typography.Paragraph type="secondary">{t('campaigns.form.scriptIntro')}</Typography.Paragraph>
      <Form.List name={['settings', 'script']}>
        {(fields, { add, remove, move }) => (
          <section aria-label={t('campaigns.tabs.script')}>
            {fields.map((f, i) => {
              const n = i + 1
              return (
                <Card key={f.key} size="small" style={{ marginBottom: 8 }} title={t('campaigns.form.question', { n })}>
                  <Space wrap align="start">
                    <Form.Item name={[f.name, 'id']} label={t('campaigns.form.questionId')} style={{ marginBottom: 8 }}>
                      <Input aria-label={`${t('campaigns.form.questionId')} ${n}`} style={{ width: 130 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'kind']} label={t('campaigns.form.kind')} style={{ marginBottom: 8 }}>
                      <Select aria-label={`${t('campaigns.form.kind')} ${n}`} style={{ width: 140 }} options={questionKinds.map((k) => ({ value: k, label: t(`campaigns.kinds.${k}`) }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'required']} label={t('campaigns.form.required')} valuePropName="checked" style={{ marginBottom: 8 }}>
                      <Switch aria-label={`${t('campaigns.form.required')} ${n}`} />
                    </Form.Item>
                  </Space>
                  <Form.Item name={[f.name, 'text']} label={t('campaigns.form.questionText')} style={{ marginBottom: 8 }}>
                    <Input aria-label={`${t('campaigns.form.questionText')} ${n}`} />
                  </Form.Item>
                  {script[i]?.kind === 'choice' && (
                    <Form.Item name={[f.name, 'options']} label={t('campaigns.form.options')} extra={t('campaigns.form.optionsHint')} style={{ marginBottom: 8 }}>
                      <Select mode="tags" aria-label={`${t('campaigns.form.options')} ${n}`} open={false} tokenSeparators={[',']} style={{ width: '100%' }} />
                    </Form.Item>
                  )}
                  <Space>
                    <Button size="small" disabled={i === 0} onClick={() => move(i, i - 1)}>
                      {t('campaigns.form.up')}
                    </Button>
                    <Button size="small" danger aria-label={`${t('admin.delete')} ${t('campaigns.form.question', { n })}`} onClick={() => remove(f.name)}>
                      {t('admin.delete')}
                    </Button>
                  </Space>
                </Card>
              )
            })}
            <Button onClick={() => add({ kind: 'text', required: false })}>{t('campaigns.form.addQuestion')}</Button>
          </section>
        )}
      </Form.List>
    </>
  )
}

function DispositionsTab({ form }: { form: FormInstance }) {
  const { t } = useTranslation()
  const list = (Form.useWatch(['settings', 'dispositions'], form) ?? []) as { final?: boolean }[]
  return (
    <>
      <Typography.Paragraph type="secondary">{t('campaigns.form.dispositionsIntro')}</Typography.Paragraph>
      <Form.List name={['settings', 'dispositions']}>
        {(fields, { add, remove }) => (
          <section aria-label={t('campaigns.tabs.dispositions')}>
            {fields.map((f, i) => {
              const n = i + 1
              return (
                <Space key={f.key} wrap align="start" style={{ display: 'flex', marginBottom: 4 }}>
                  <Form.Item name={[f.name, 'code']} style={{ marginBottom: 8 }}>
                    <Input aria-label={`${t('campaigns.form.code')} ${n}`} placeholder={t('campaigns.form.code')} style={{ width: 130 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'label']} style={{ marginBottom: 8 }}>
                    <Input aria-label={`${t('campaigns.form.label')} ${n}`} placeholder={t('campaigns.form.label')} style={{ width: 170 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'final']} valuePropName="checked" style={{ marginBottom: 8 }}>
                    <Switch aria-label={`${t('campaigns.form.final')} ${n}`} checkedChildren={t('campaigns.form.final')} unCheckedChildren={t('campaigns.form.callAgain')} />
                  </Form.Item>
                  {!list[i]?.final && (
                    <Form.Item name={[f.name, 'retry_ms']} style={{ marginBottom: 8 }}>
                      <MinutesInput aria-label={`${t('campaigns.form.retryAfter')} ${n}`} />
                    </Form.Item>
                  )}
                  <Button aria-label={`${t('admin.delete')} ${t('campaigns.form.code')} ${n}`} onClick={() => remove(f.name)}>
                    {t('admin.delete')}
                  </Button>
                </Space>
              )
            })}
            <Button onClick={() => add({ final: true })}>{t('campaigns.form.addDisposition')}</Button>
          </section>
        )}
      </Form.List>
    </>
  )
}

function PacingTab({ type }: { type?: string }) {
  const { t } = useTranslation()
  return (
    <>
      <Space size="large" wrap>
        <Form.Item name={['settings', 'max_in_flight']} label={t('campaigns.form.maxInFlight')} extra={t('campaigns.form.maxInFlightHint')}>
          <InputNumber min={0} />
        </Form.Item>
        <Form.Item name={['settings', 'trunk_cps']} label={t('campaigns.form.trunkCps')} extra={t('campaigns.form.trunkCpsHint')}>
          <InputNumber min={0} max={10000} step={0.5} />
        </Form.Item>
      </Space>
      {type !== 'predictive' ? (
        <Alert type="info" showIcon message={t('campaigns.form.pacingPredictiveOnly')} />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t('campaigns.form.pacingIntro')}</Typography.Paragraph>
          <Space size="large" wrap>
            <Form.Item name={['settings', 'compliance']} label={t('admin.campaigns.compliance')}>
              <Select allowClear style={{ width: 220 }} placeholder={t('admin.campaigns.profiles.cn')} options={complianceProfiles.map((x) => ({ value: x, label: t(`admin.campaigns.profiles.${x}`) }))} />
            </Form.Item>
            <Form.Item name={['settings', 'abandon_cap_pct']} label={t('admin.campaigns.abandonCap')} extra={t('admin.campaigns.abandonCapHint')}>
              <InputNumber min={0} max={50} step={0.5} addonAfter="%" />
            </Form.Item>
            <Form.Item name={['settings', 'connect_ms']} label={t('campaigns.form.connect')} extra={t('campaigns.form.connectHint')}>
              <MsInput />
            </Form.Item>
          </Space>
          <Space size="large" wrap>
            <Form.Item name={['settings', 'min_lines_per_agent']} label={t('campaigns.form.minLines')} extra={t('campaigns.form.minLinesHint')}>
              <InputNumber min={0} max={10} step={0.1} />
            </Form.Item>
            <Form.Item name={['settings', 'max_lines_per_agent']} label={t('campaigns.form.maxLines')} extra={t('campaigns.form.maxLinesHint')}>
              <InputNumber min={0} max={20} step={0.5} />
            </Form.Item>
          </Space>
          <Typography.Title level={5}>{t('campaigns.form.abandonMessage')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('campaigns.form.abandonMessageHint')}</Typography.Paragraph>
          <MessageFields name={['settings', 'abandon_message']} />
        </>
      )}
    </>
  )
}

function MessageFields({ name }: { name: (string | number)[] }) {
  const { t } = useTranslation()
  return (
    <Space size="large" wrap align="start">
      <Form.Item name={[...name, 'text']} label={t('campaigns.form.messageText')}>
        <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} style={{ width: 340 }} />
      </Form.Item>
      <Form.Item name={[...name, 'lang']} label={t('campaigns.form.messageLang')}>
        <Select allowClear style={{ width: 130 }} options={[{ value: 'zh-CN', label: '中文 zh-CN' }, { value: 'en', label: 'English en' }]} />
      </Form.Item>
      <Form.Item name={[...name, 'prompt']} label={t('campaigns.form.messagePrompt')} extra={t('campaigns.form.messagePromptHint')}>
        <Input style={{ width: 200 }} />
      </Form.Item>
    </Space>
  )
}

function BroadcastTab() {
  const { t } = useTranslation()
  return (
    <>
      <Typography.Paragraph type="secondary">{t('campaigns.form.broadcastIntro')}</Typography.Paragraph>
      <MessageFields name={['settings', 'broadcast', 'message']} />
      <Space size="large" wrap>
        <Form.Item name={['settings', 'broadcast', 'repeat']} label={t('campaigns.form.repeat')}>
          <InputNumber min={0} max={5} />
        </Form.Item>
        <Form.Item name={['settings', 'broadcast', 'wait_ms']} label={t('campaigns.form.keyWait')} extra={t('campaigns.form.defaultSeconds', { n: 5 })}>
          <MsInput />
        </Form.Item>
        <Form.Item name={['settings', 'broadcast', 'lines']} label={t('campaigns.form.lines')} extra={t('campaigns.form.linesHint')}>
          <InputNumber min={0} max={1000} />
        </Form.Item>
      </Space>
      <Typography.Title level={5}>{t('campaigns.form.keys')}</Typography.Title>
      <Form.List name="broadcast_keys">
        {(fields, { add, remove }) => (
          <section aria-label={t('campaigns.form.keys')}>
            {fields.map((f, i) => (
              <Space key={f.key} wrap align="start" style={{ display: 'flex' }}>
                <Form.Item name={[f.name, 'key']} style={{ marginBottom: 8 }}>
                  <Select aria-label={`${t('campaigns.form.key')} ${i + 1}`} style={{ width: 90 }} options={'1234567890*#'.split('').map((k) => ({ value: k, label: k }))} />
                </Form.Item>
                <Form.Item name={[f.name, 'action']} style={{ marginBottom: 8 }}>
                  <Select aria-label={`${t('campaigns.form.keyAction')} ${i + 1}`} style={{ width: 220 }} options={keyActions.map((a) => ({ value: a, label: t(`campaigns.keyActions.${a}`) }))} />
                </Form.Item>
                <Button onClick={() => remove(f.name)}>{t('admin.delete')}</Button>
              </Space>
            ))}
            <Button size="small" onClick={() => add({ action: 'ack' })}>
              {t('admin.add')}
            </Button>
          </section>
        )}
      </Form.List>
      <Typography.Title level={5}>{t('campaigns.form.optoutMessage')}</Typography.Title>
      <MessageFields name={['settings', 'broadcast', 'optout_message']} />
    </>
  )
}
