import { useState } from 'react'
import { AutoComplete, Button, Divider, Form, Input, InputNumber, Select, Space, Switch, Table, Tabs, Typography, Popconfirm, App as AntApp } from 'antd'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDuration } from '../lib/format'
import { ResourcePage } from './ResourcePage'
import { MsInput, TargetInput, enumOptions, useUsers } from './inputs'
import { errorMessage } from './errors'

type Queue = Schemas['api.queueView']
type Member = Schemas['acd.Member']
const strategies = ['ring-all', 'round-robin', 'random', 'longest-idle', 'fewest-calls', 'least-talk-time', 'sequential', 'weighted-random']
const joinRules = ['join', 'refuse', 'leave']
const overflowKinds = ['queue', 'flow', 'voicemail', 'number', 'hangup']
const overflows = ['queue_full', 'max_wait', 'no_agents', 'all_on_break', 'voicemail']

// merged lays the form's values over the queue as loaded, so settings the
// form has no field for (entry prompts in other languages) are kept.
function merged(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = base[k]
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merged(b as Record<string, unknown>, v as Record<string, unknown>) : v
  }
  return out
}

function cleanQueue(v: Schemas['acd.QueueConfig']): Schemas['acd.QueueConfig'] {
  const o = { ...(v.overflow ?? {}) } as Record<string, { kind?: string; value?: string } | undefined>
  for (const k of overflows) if (!o[k]?.kind) delete o[k]
  const a = { ...(v.announcements ?? {}) }
  if (a.entry_prompts) {
    const ep = Object.fromEntries(Object.entries(a.entry_prompts).filter(([, x]) => x))
    a.entry_prompts = Object.keys(ep).length ? ep : undefined
  }
  if (a.overflow_prompts) {
    const op = Object.fromEntries(Object.entries(a.overflow_prompts).filter(([, x]) => x))
    a.overflow_prompts = Object.keys(op).length ? op : undefined
  }
  const parts = a as Record<string, unknown>
  for (const f of sentenceFields) {
    const one = parts[f] as string[] | undefined
    if (one && !one.length) parts[f] = undefined
    const per = parts[`${f}s`] as Record<string, string[] | undefined> | undefined
    if (per) {
      const kept = Object.fromEntries(Object.entries(per).filter(([, x]) => x && x.length))
      parts[`${f}s`] = Object.keys(kept).length ? kept : undefined
    }
  }
  return { ...v, overflow: o as Schemas['acd.OverflowTargets'], announcements: a, limits: v.limits ?? {} }
}

// PromptInput takes an announcement's text, or offers the prompts
// library's entries as library:NAME.
function PromptInput(props: { value?: string; onChange?: (v: string) => void; id?: string }) {
  const lib = useQuery({ queryKey: ['admin', 'prompts'], queryFn: () => unwrap(client.GET('/api/v1/prompts')), staleTime: 30_000 })
  const options = (lib.data ?? []).map((p) => ({ value: `library:${p.name}`, label: `library:${p.name}` }))
  return (
    <AutoComplete
      id={props.id}
      value={props.value}
      onChange={props.onChange}
      options={options}
      filterOption={(input, o) => !input || String(o?.value ?? '').includes(input)}
    />
  )
}

// HoldMusicInput picks a prompt of the library as hold music
// (library:NAME); cleared, the switch's music on hold ("").
export function HoldMusicInput(props: { value?: string; onChange?: (v: string) => void; id?: string; 'aria-label'?: string }) {
  const { t } = useTranslation()
  const lib = useQuery({ queryKey: ['admin', 'prompts'], queryFn: () => unwrap(client.GET('/api/v1/prompts')), staleTime: 30_000 })
  const options = (lib.data ?? []).map((p) => ({ value: `library:${p.name}`, label: `library:${p.name}` }))
  return (
    <Select
      id={props.id}
      aria-label={props['aria-label']}
      allowClear
      showSearch
      value={props.value || undefined}
      onChange={(v) => props.onChange?.(v ?? '')}
      options={options}
      placeholder={t('queueHoldMusic.switchDefault')}
    />
  )
}

// The generated sentences a queue may replace with parts, and the values
// each may say (acd.SentencePlaceholders).
const sentenceFields = ['position_prompt', 'whisper_prompt', 'agent_id_prompt', 'callback_prompt'] as const
type SentenceField = (typeof sentenceFields)[number]
const placeholders: Record<SentenceField, string[]> = {
  position_prompt: ['{position}', '{wait}', '{wait_minutes}', '{callback_key}', '{voicemail_key}'],
  whisper_prompt: ['{queue}', '{waited}'],
  agent_id_prompt: ['{agent}'],
  callback_prompt: [],
}

// SentenceInput builds an announcement from parts, in order: prompts of
// the library (library:NAME), the sentence's values ({position}) and
// typed TTS text. Empty: the generated sentence.
export function SentenceInput(props: { field: SentenceField; value?: string[]; onChange?: (v: string[]) => void; id?: string }) {
  const { t } = useTranslation()
  const lib = useQuery({ queryKey: ['admin', 'prompts'], queryFn: () => unwrap(client.GET('/api/v1/prompts')), staleTime: 30_000 })
  const options = [
    { label: t('queueSentences.library'), options: (lib.data ?? []).map((p) => ({ value: `library:${p.name}`, label: `library:${p.name}` })) },
    ...(placeholders[props.field].length
      ? [{ label: t('queueSentences.values'), options: placeholders[props.field].map((v) => ({ value: v, label: `${v} ${t(`queueSentences.placeholders.${v.slice(1, -1)}`)}` })) }]
      : []),
  ]
  return (
    <Select
      id={props.id}
      mode="tags"
      value={props.value ?? []}
      onChange={props.onChange}
      options={options}
      placeholder={t('queueSentences.generated')}
      tokenSeparators={[]}
    />
  )
}

export default function QueuesPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  return (
    <ResourcePage<Queue>
      title={t('admin.queues.title')}
      intro={readOnly ? t('admin.queues.readOnlyIntro') : t('admin.queues.intro')}
      readOnly={readOnly}
      queryKey={['admin', 'queues']}
      list={() => unwrap(client.GET('/api/v1/queues'))}
      rowKey={(q) => q.id ?? ''}
      rowLabel={(q) => q.id ?? ''}
      searchText={(q) => `${q.id} ${q.name} ${q.strategy}`}
      drawerWidth={720}
      columns={[
        { title: t('admin.queues.id'), dataIndex: 'id' },
        { title: t('admin.queues.name'), dataIndex: 'name' },
        { title: t('admin.queues.strategy'), dataIndex: 'strategy', render: (s: string) => t(`admin.queues.strategies.${s}`, s) },
        { title: t('admin.queues.members'), dataIndex: 'members' },
        { title: t('admin.queues.ringTimeout'), dataIndex: 'ring_timeout_ms', render: (v: number) => fmtDuration(v) },
        { title: t('admin.queues.wrapUp'), dataIndex: 'wrap_up_ms', render: (v: number) => fmtDuration(v) },
        { title: t('admin.queues.record'), dataIndex: 'record', render: (v: boolean) => (v ? t('admin.yes') : t('admin.no')) },
      ]}
      initialValues={{ strategy: 'longest-idle', announcements: {}, limits: {}, overflow: {} }}
      create={(v) => unwrap(client.POST('/api/v1/queues', { body: cleanQueue(v) }))}
      update={(q, v) => {
        const { members: _m, created_at: _c, updated_at: _u, ...config } = q // eslint-disable-line @typescript-eslint/no-unused-vars
        return unwrap(client.PUT('/api/v1/queues/{id}', { params: { path: { id: q.id! } }, body: cleanQueue({ ...(merged(config, v) as Schemas['acd.QueueConfig']), id: q.id }) }))
      }}
      remove={(q) => unwrap(client.DELETE('/api/v1/queues/{id}', { params: { path: { id: q.id! } } }))}
      below={(q) => <Members queue={q.id!} readOnly={!!readOnly} />}
      renderForm={({ editing }) => (
        <Tabs
          items={[
            {
              key: 'basic',
              label: t('admin.queues.tabs.basic'),
              forceRender: true,
              children: (
                <>
                  <Form.Item name="id" label={t('admin.queues.id')} extra={t('admin.queues.idHint')}>
                    <Input disabled={!!editing} />
                  </Form.Item>
                  <Form.Item name="name" label={t('admin.queues.name')}>
                    <Input />
                  </Form.Item>
                  <Form.Item name="strategy" label={t('admin.queues.strategy')}>
                    <Select options={enumOptions(t, 'admin.queues.strategies', strategies)} />
                  </Form.Item>
                  <Space wrap size="large">
                    <Form.Item name="ring_timeout_ms" label={t('admin.queues.ringTimeout')}>
                      <MsInput />
                    </Form.Item>
                    <Form.Item name="service_level_ms" label={t('admin.queues.serviceLevel')}>
                      <MsInput />
                    </Form.Item>
                    <Form.Item name="default_handle_time_ms" label={t('admin.queues.handleTime')}>
                      <MsInput />
                    </Form.Item>
                  </Space>
                  <Form.Item name="last_agent_first" label={t('admin.queues.lastAgentFirst')} valuePropName="checked">
                    <Switch />
                  </Form.Item>
                  <Form.Item name="outbound_caller_id" label={t('admin.queues.outboundCallerId')}>
                    <Input />
                  </Form.Item>
                </>
              ),
            },
            {
              key: 'announce',
              label: t('admin.queues.tabs.announcements'),
              forceRender: true,
              children: (
                <>
                  <Form.Item name={['announcements', 'lang']} label={t('admin.queues.lang')}>
                    <Select allowClear options={[{ value: 'zh-CN', label: '简体中文' }, { value: 'en', label: 'English' }]} />
                  </Form.Item>
                  <Form.Item name={['announcements', 'entry_prompt']} label={t('admin.queues.entryPrompt')} extra={t('admin.queues.promptHelp')}>
                    <PromptInput />
                  </Form.Item>
                  <Form.Item name={['announcements', 'entry_prompts', 'en']} label={t('admin.queues.entryPromptEn')}>
                    <PromptInput />
                  </Form.Item>
                  <Form.Item name={['announcements', 'overflow_prompt']} label={t('admin.queues.overflowPrompt')} extra={t('admin.queues.overflowPromptHelp')}>
                    <PromptInput />
                  </Form.Item>
                  <Form.Item name={['announcements', 'overflow_prompts', 'en']} label={t('admin.queues.overflowPromptEn')}>
                    <PromptInput />
                  </Form.Item>
                  <Divider plain orientation="left">
                    {t('queueHoldMusic.title')}
                  </Divider>
                  <Form.Item name="hold_music" label={t('queueHoldMusic.holdMusic')} extra={t('queueHoldMusic.holdMusicHelp')}>
                    <HoldMusicInput />
                  </Form.Item>
                  <Form.Item name="agent_hold_music" label={t('queueHoldMusic.agentHoldMusic')} extra={t('queueHoldMusic.agentHoldMusicHelp')}>
                    <HoldMusicInput />
                  </Form.Item>
                  <Space wrap size="large">
                    <Form.Item name={['announcements', 'position']} label={t('admin.queues.position')} valuePropName="checked">
                      <Switch />
                    </Form.Item>
                    <Form.Item name={['announcements', 'position_interval_ms']} label={t('admin.queues.positionInterval')}>
                      <MsInput />
                    </Form.Item>
                    <Form.Item name={['announcements', 'agent_whisper']} label={t('admin.queues.agentWhisper')} valuePropName="checked">
                      <Switch />
                    </Form.Item>
                    <Form.Item name={['announcements', 'agent_id']} label={t('admin.queues.agentId')} valuePropName="checked">
                      <Switch />
                    </Form.Item>
                  </Space>
                  <Divider plain orientation="left">
                    {t('queueSentences.title')}
                  </Divider>
                  <Typography.Paragraph type="secondary">{t('queueSentences.help')}</Typography.Paragraph>
                  {(
                    [
                      ['position_prompt', 'position', true],
                      ['agent_id_prompt', 'agentId', true],
                      ['whisper_prompt', 'whisper', false],
                      ['callback_prompt', 'callback', true],
                    ] as [SentenceField, string, boolean][]
                  ).map(([f, key, perLang]) => (
                    <div key={f}>
                      <Form.Item name={['announcements', f]} label={t(`queueSentences.${key}`)} extra={t(`queueSentences.${key}Help`)}>
                        <SentenceInput field={f} />
                      </Form.Item>
                      {perLang && (
                        <Form.Item name={['announcements', `${f}s`, 'en']} label={t(`queueSentences.${key}En`)}>
                          <SentenceInput field={f} />
                        </Form.Item>
                      )}
                    </div>
                  ))}
                  <Space wrap size="large">
                    <Form.Item name={['announcements', 'callback_key']} label={t('admin.queues.callbackKey')}>
                      <Input style={{ width: 80 }} maxLength={1} />
                    </Form.Item>
                    <Form.Item name={['announcements', 'voicemail_key']} label={t('admin.queues.voicemailKey')}>
                      <Input style={{ width: 80 }} maxLength={1} />
                    </Form.Item>
                  </Space>
                </>
              ),
            },
            {
              key: 'limits',
              label: t('admin.queues.tabs.limits'),
              forceRender: true,
              children: (
                <>
                  <Space wrap size="large">
                    <Form.Item name={['limits', 'max_length']} label={t('admin.queues.maxLength')} extra={t('admin.zeroUnlimited')}>
                      <InputNumber min={0} />
                    </Form.Item>
                    <Form.Item name={['limits', 'max_wait_ms']} label={t('admin.queues.maxWait')} extra={t('admin.zeroUnlimited')}>
                      <MsInput />
                    </Form.Item>
                  </Space>
                  <Space wrap size="large">
                    <Form.Item name={['limits', 'when_no_agents']} label={t('admin.queues.whenNoAgents')}>
                      <Select allowClear style={{ width: 200 }} options={enumOptions(t, 'admin.queues.joinRules', joinRules)} />
                    </Form.Item>
                    <Form.Item name={['limits', 'when_all_on_break']} label={t('admin.queues.whenAllOnBreak')}>
                      <Select allowClear style={{ width: 200 }} options={enumOptions(t, 'admin.queues.joinRules', joinRules)} />
                    </Form.Item>
                  </Space>
                  <Space wrap size="large">
                    <Form.Item name="break_cap" label={t('admin.queues.breakCap')} extra={t('admin.zeroUnlimited')}>
                      <InputNumber min={0} />
                    </Form.Item>
                    <Form.Item name="break_mode" label={t('admin.queues.breakMode')}>
                      <Select allowClear style={{ width: 200 }} options={enumOptions(t, 'admin.queues.breakModes', ['wait', 'refuse'])} />
                    </Form.Item>
                  </Space>
                </>
              ),
            },
            {
              key: 'overflow',
              label: t('admin.queues.tabs.overflow'),
              forceRender: true,
              children: overflows.map((k) => (
                <Form.Item key={k} name={['overflow', k]} label={t(`admin.queues.overflow.${k}`)}>
                  <TargetInput kinds={overflowKinds} refKey="value" optional />
                </Form.Item>
              )),
            },
            {
              key: 'wrap',
              label: t('admin.queues.tabs.wrapUp'),
              forceRender: true,
              children: (
                <>
                  <Form.Item name="wrap_up_ms" label={t('admin.queues.wrapUp')} extra={t('admin.queues.wrapUpHint')}>
                    <MsInput />
                  </Form.Item>
                  <Form.Item name="max_wrap_up_extension_ms" label={t('admin.queues.maxWrapUpExtension')}>
                    <MsInput />
                  </Form.Item>
                  <Form.Item name="record" label={t('admin.queues.record')} valuePropName="checked" extra={t('admin.queues.recordHint')}>
                    <Switch />
                  </Form.Item>
                  <Form.Item name="survey_flow" label={t('admin.queues.surveyFlow')}>
                    <Input />
                  </Form.Item>
                </>
              ),
            },
          ]}
        />
      )}
    />
  )
}

function Members({ queue, readOnly }: { queue: string; readOnly: boolean }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const { message } = AntApp.useApp()
  const key = ['admin', 'queues', queue, 'members']
  const members = useQuery({ queryKey: key, queryFn: () => unwrap(client.GET('/api/v1/queues/{id}/members', { params: { path: { id: queue } } })) })
  const users = useUsers().data ?? []
  const name = (id?: string) => {
    const u = users.find((x) => x.id === id)
    return u ? `${u.display_name || u.username} (${u.work_number || u.username})` : id
  }
  const [add, setAdd] = useState<{ agent?: string; level: number }>({ level: 1 })
  const put = useMutation({
    mutationFn: (m: Member) => unwrap(client.PUT('/api/v1/queues/{id}/members/{agent}', { params: { path: { id: queue, agent: m.agent_id! } }, body: { level: m.level ?? 1, weight: m.weight, position: m.position } })),
    onSuccess: () => {
      message.success(t('admin.saved'))
      qc.invalidateQueries({ queryKey: ['admin', 'queues'] })
    },
    onError: (e) => message.error(errorMessage(e)),
  })
  const del = useMutation({
    mutationFn: (agent: string) => unwrap(client.DELETE('/api/v1/queues/{id}/members/{agent}', { params: { path: { id: queue, agent } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['admin', 'queues'] }),
    onError: (e) => message.error(errorMessage(e)),
  })
  const inQueue = new Set((members.data ?? []).map((m) => m.agent_id))
  return (
    <section aria-label={t('admin.queues.members')}>
      <Divider />
      <Typography.Title level={5}>{t('admin.queues.members')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('admin.queues.membersHint')}</Typography.Paragraph>
      <Table<Member>
        size="small"
        rowKey={(m) => m.agent_id ?? ''}
        loading={members.isLoading}
        dataSource={members.data ?? []}
        pagination={false}
        columns={[
          { title: t('admin.queues.agent'), dataIndex: 'agent_id', render: (a: string) => name(a) },
          ...(['level', 'weight', 'position'] as const).map((f) => ({
            title: t(`admin.queues.${f === 'position' ? 'order' : f}`),
            dataIndex: f,
            render: (v: number, m: Member) =>
              readOnly ? v : <InputNumber size="small" aria-label={`${t(`admin.queues.${f === 'position' ? 'order' : f}`)} ${name(m.agent_id)}`} min={f === 'level' ? 1 : 0} defaultValue={v} onBlur={(e) => Number(e.target.value) !== v && put.mutate({ ...m, [f]: Number(e.target.value) })} />,
          })),
          ...(readOnly
            ? []
            : [
                {
                  title: t('admin.actions'),
                  key: 'x',
                  render: (_: unknown, m: Member) => (
                    <Popconfirm title={t('admin.queues.removeMember')} onConfirm={() => del.mutate(m.agent_id!)}>
                      <Button size="small" danger>
                        {t('admin.queues.remove')}
                      </Button>
                    </Popconfirm>
                  ),
                },
              ]),
        ]}
      />
      {!readOnly && (
        <Space style={{ marginTop: 12 }} wrap>
          <Select
            showSearch
            aria-label={t('admin.queues.addAgent')}
            placeholder={t('admin.queues.addAgent')}
            style={{ width: 260 }}
            value={add.agent}
            onChange={(agent) => setAdd({ ...add, agent })}
            optionFilterProp="label"
            options={users.filter((u) => !inQueue.has(u.id)).map((u) => ({ value: u.id!, label: name(u.id) ?? '' }))}
          />
          <InputNumber aria-label={t('admin.queues.level')} addonBefore={t('admin.queues.level')} min={1} value={add.level} onChange={(l) => setAdd({ ...add, level: Number(l) || 1 })} />
          <Button
            disabled={!add.agent}
            onClick={() => {
              put.mutate({ agent_id: add.agent, level: add.level })
              setAdd({ level: 1 })
            }}
          >
            {t('admin.queues.addMember')}
          </Button>
        </Space>
      )}
    </section>
  )
}
