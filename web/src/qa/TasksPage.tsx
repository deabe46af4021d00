// Sampling tasks: the list with progress, the calls assigned to the user,
// and (QA leads) the form that creates a task.
import { useState } from 'react'
import { Alert, App, Button, Card, DatePicker, Form, Input, InputNumber, Modal, Progress, Radio, Select, Space, Table, Tag, Typography } from 'antd'
import { Link } from 'react-router-dom'
import dayjs, { type Dayjs } from 'dayjs'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { errText } from './errors'
import { nameOf, useDirectory, type R } from './directory'
import type { QAMe } from './QAConsole'
import { PickButton } from './PickDialog'

type Rule = Schemas['qa.SampleRule']
const ruleKinds = ['csat_at_most', 'wait_over_s', 'hold_over_s', 'transfers_over', 'talk_under_s', 'abandoned_after_s', 'barged', 'keyword']

export function TasksPage({ me }: { me: QAMe }) {
  const { t } = useTranslation()
  const dir = useDirectory()
  const tasks = useQuery({ queryKey: ['qa', 'tasks'], queryFn: () => unwrap(client.GET('/api/v1/qa/tasks')) as Promise<R<Schemas['qa.TaskView']>[]> })
  const work = useQuery({ queryKey: ['qa', 'work'], queryFn: () => unwrap(client.GET('/api/v1/qa/work')) as Promise<R<Schemas['qa.TaskCallView']>[]> })
  const [creating, setCreating] = useState(false)
  const users = dir.data?.users
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card title={t('qa.tasks.title')} extra={<Space>{(me.lead || me.role === 'supervisor' || me.role === 'admin') && <PickButton />}{me.lead && <Button type="primary" onClick={() => setCreating(true)}>{t('qa.tasks.new')}</Button>}</Space>}>
        <Table rowKey="id" size="small" loading={tasks.isLoading} dataSource={tasks.data ?? []} pagination={false}
          columns={[
            { title: t('qa.tasks.name'), dataIndex: 'name' },
            { title: t('qa.tasks.window'), render: (_, r) => `${fmtDateTime(r.spec.since)} – ${fmtDateTime(r.spec.until)}` },
            { title: t('qa.tasks.progress'), render: (_, r) => <Space><Progress percent={r.picked ? Math.round((r.scored / r.picked) * 100) : 0} format={() => `${r.scored}/${r.picked}`} size="small" style={{ width: 140 }} />{r.unassigned > 0 && <Tag color="orange">{t('qa.tasks.unassigned', { n: r.unassigned })}</Tag>}</Space> },
            { title: t('qa.tasks.assign'), render: (_, r) => (r.spec.assign === 'skill' ? t('qa.tasks.assignSkill') : t('qa.tasks.assignEven')) },
            { title: t('qa.tasks.deadline'), render: (_, r) => (r.deadline ? <span>{fmtDateTime(r.deadline)} {r.overdue && <Tag color="red">{t('qa.tasks.overdue')}</Tag>}</span> : '–') },
            { title: t('qa.tasks.seed'), dataIndex: 'seed' },
          ]} />
      </Card>
      <Card title={me.lead ? t('qa.work.allTitle') : t('qa.work.title')}>
        <Table rowKey={(r) => r.task_id + r.call_id} size="small" loading={work.isLoading} dataSource={work.data ?? []} pagination={{ pageSize: 20 }}
          columns={[
            { title: t('qa.work.call'), render: (_, r) => fmtDateTime(r.started_at) },
            { title: t('qa.work.agent'), render: (_, r) => nameOf(users, r.agent_id) },
            { title: t('qa.work.queue'), dataIndex: 'queue_id' },
            { title: t('qa.work.reasons'), render: (_, r) => (r.reasons ?? []).map((x) => <Tag key={x}>{x}</Tag>) },
            { title: t('qa.work.assignee'), render: (_, r) => (r.assignee ? nameOf(users, r.assignee) : <Tag color="orange">{t('qa.tasks.unassignedTag')}</Tag>) },
            { title: t('qa.work.status'), render: (_, r) => <Tag color={r.status === 'submitted' ? 'green' : r.status === 'draft' ? 'orange' : 'default'}>{t(`qa.status.${r.status}`)}</Tag> },
            { title: '', render: (_, r) => <Link to={r.score_id && r.status === 'submitted' ? `/qa/scores/${r.score_id}` : `/qa/score/${r.task_id}/${r.call_id}`}>{r.status === 'submitted' ? t('qa.work.view') : t('qa.work.score')}</Link> },
          ]} />
      </Card>
      {me.lead && <SkillsCard />}
      {creating && <NewTask onClose={() => setCreating(false)} />}
    </Space>
  )
}

function NewTask({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const dir = useDirectory()
  const tpls = useQuery({ queryKey: ['qa', 'templates'], queryFn: () => unwrap(client.GET('/api/v1/qa/templates')) })
  const [form] = Form.useForm()
  const [rules, setRules] = useState<Rule[]>([{ kind: 'csat_at_most', value: 2 }])
  const [err, setErr] = useState('')
  const yesterday = dayjs().subtract(1, 'day').startOf('day')
  const submit = async () => {
    setErr('')
    const v = await form.validateFields()
    const range = v.range as [Dayjs, Dayjs]
    try {
      const task = await unwrap(client.POST('/api/v1/qa/tasks', {
        body: {
          name: v.name, template_id: v.template, since: range[0].startOf('day').toISOString(), until: range[1].add(1, 'day').startOf('day').toISOString(),
          queues: v.queues ?? [], direction: v.direction ?? '', ratio: (v.ratio ?? 0) / 100, count_per_agent: v.count ?? 0, rules, assignees: v.assignees ?? [], assign: v.assign ?? 'even',
          deadline: v.deadline ? (v.deadline as Dayjs).toISOString() : undefined,
        },
      }))
      if ((task.unassigned ?? 0) > 0) message.warning(t('qa.tasks.createdUnassigned', { n: task.picked, u: task.unassigned }))
      else message.success(t('qa.tasks.created', { n: task.picked }))
      qc.invalidateQueries({ queryKey: ['qa'] })
      onClose()
    } catch (e) {
      setErr(errText(e))
    }
  }
  const qaUsers = (dir.data?.users ?? []).filter((u) => u.role !== 'agent')
  const skills = useSkills()
  const assign = Form.useWatch('assign', form)
  const skillText = (id: string) => {
    const s = skills.data?.[id]
    return s?.length ? s.join(', ') : t('qa.tasks.noSkills')
  }
  return (
    <Modal open title={t('qa.tasks.new')} onCancel={onClose} onOk={submit} okText={t('qa.tasks.create')} cancelText={t('qa.cancel')} width={720}>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical" initialValues={{ range: [yesterday, yesterday], ratio: 10, assign: 'even' }}>
        <Form.Item name="name" label={t('qa.tasks.name')} rules={[{ required: true, message: t('qa.required') }]}><Input /></Form.Item>
        <Form.Item name="template" label={t('qa.tasks.template')} rules={[{ required: true, message: t('qa.required') }]}>
          <Select options={(tpls.data ?? []).map((x) => ({ value: x.id, label: `${x.name} (v${x.version})` }))} />
        </Form.Item>
        <Form.Item name="range" label={t('qa.tasks.dates')} rules={[{ required: true }]}><DatePicker.RangePicker /></Form.Item>
        <Space wrap>
          <Form.Item name="queues" label={t('qa.tasks.queues')}><Select mode="multiple" style={{ minWidth: 200 }} options={(dir.data?.queues ?? []).map((q) => ({ value: q, label: q }))} /></Form.Item>
          <Form.Item name="direction" label={t('qa.tasks.direction')}><Select allowClear style={{ width: 140 }} options={['inbound', 'outbound'].map((d) => ({ value: d, label: t(`qa.dir.${d}`) }))} /></Form.Item>
          <Form.Item name="ratio" label={t('qa.tasks.ratio')}><InputNumber min={0} max={100} addonAfter="%" /></Form.Item>
          <Form.Item name="count" label={t('qa.tasks.count')}><InputNumber min={0} max={1000} /></Form.Item>
        </Space>
        <Form.Item label={t('qa.tasks.rules')}>
          <Space direction="vertical">
            {rules.map((r, i) => (
              <Space key={i}>
                <Select aria-label={t('qa.tasks.ruleKind', { n: i + 1 })} value={r.kind} style={{ width: 240 }} onChange={(k) => setRules(rules.map((x, j) => (j === i ? { ...x, kind: k } : x)))} options={ruleKinds.map((k) => ({ value: k, label: t(`qa.rule.${k}`) }))} />
                {r.kind !== 'barged' && r.kind !== 'keyword' && <InputNumber aria-label={t('qa.tasks.ruleValue', { n: i + 1 })} value={r.value} onChange={(v) => setRules(rules.map((x, j) => (j === i ? { ...x, value: v ?? 0 } : x)))} />}
                {r.kind === 'keyword' && <Input aria-label={t('qa.tasks.rulePhrase', { n: i + 1 })} placeholder={t('qa.tasks.phraseRuleId')} value={r.phrase_rule} onChange={(e) => setRules(rules.map((x, j) => (j === i ? { ...x, phrase_rule: e.target.value } : x)))} />}
                <Button size="small" onClick={() => setRules(rules.filter((_, j) => j !== i))}>{t('qa.tpl.removeItem')}</Button>
              </Space>
            ))}
            <Button size="small" onClick={() => setRules([...rules, { kind: 'wait_over_s', value: 60 }])}>{t('qa.tasks.addRule')}</Button>
          </Space>
        </Form.Item>
        <Form.Item name="assignees" label={t('qa.tasks.assignees')} rules={[{ required: true, message: t('qa.required') }]}>
          <Select mode="multiple" options={qaUsers.map((u) => ({ value: u.id, label: assign === 'skill' ? `${u.display_name || u.username} (${u.role}) – ${skillText(u.id ?? '')}` : `${u.display_name || u.username} (${u.role})` }))} />
        </Form.Item>
        <Form.Item name="assign" label={t('qa.tasks.assign')} extra={assign === 'skill' ? t('qa.tasks.skillHint') : undefined}>
          <Radio.Group options={[{ value: 'even', label: t('qa.tasks.assignEven') }, { value: 'skill', label: t('qa.tasks.assignSkill') }]} />
        </Form.Item>
        <Form.Item name="deadline" label={t('qa.tasks.deadline')}><DatePicker showTime /></Form.Item>
      </Form>
    </Modal>
  )
}

function useSkills() {
  return useQuery({ queryKey: ['qa', 'skills'], queryFn: () => unwrap(client.GET('/api/v1/qa/skills')) as Promise<Record<string, string[]>> })
}

// SkillsCard lets a QA lead set the queues each QA user may score ("*" = all),
// used by tasks assigned by skill.
function SkillsCard() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const dir = useDirectory()
  const skills = useSkills()
  const [edits, setEdits] = useState<Record<string, string[]>>({})
  const [err, setErr] = useState('')
  const qaUsers = (dir.data?.users ?? []).filter((u) => u.role === 'qa' || u.role === 'supervisor')
  const options = [{ value: '*', label: t('qa.skills.any') }, ...(dir.data?.queues ?? []).map((q) => ({ value: q, label: q }))]
  const save = async (id: string, name: string) => {
    setErr('')
    try {
      await unwrap(client.PUT('/api/v1/qa/skills/{id}', { params: { path: { id } }, body: { skills: edits[id] ?? skills.data?.[id] ?? [] } }))
      message.success(t('qa.skills.saved', { name }))
      setEdits((e) => {
        const n = { ...e }
        delete n[id]
        return n
      })
      qc.invalidateQueries({ queryKey: ['qa', 'skills'] })
    } catch (e) {
      setErr(errText(e))
    }
  }
  return (
    <Card title={t('qa.skills.title')}>
      <Typography.Paragraph type="secondary">{t('qa.skills.hint')}</Typography.Paragraph>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 12 }} />}
      <Table rowKey="id" size="small" pagination={false} loading={skills.isLoading} dataSource={qaUsers}
        columns={[
          { title: t('qa.skills.user'), render: (_, u) => `${u.display_name || u.username} (${u.role})` },
          {
            title: t('qa.skills.skills'),
            render: (_, u) => {
              const name = u.display_name || u.username || ''
              return <Select mode="multiple" aria-label={t('qa.skills.of', { name })} style={{ minWidth: 280 }} value={edits[u.id ?? ''] ?? skills.data?.[u.id ?? ''] ?? []} options={options} onChange={(v) => setEdits({ ...edits, [u.id ?? '']: v })} />
            },
          },
          { title: '', render: (_, u) => <Button size="small" disabled={!edits[u.id ?? '']} onClick={() => save(u.id ?? '', u.display_name || u.username || '')}>{t('qa.skills.save')}</Button> },
        ]} />
    </Card>
  )
}
