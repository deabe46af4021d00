// The scores a user may see (an agent: their own, with appeals) and the
// appeal review of QA leads and supervisors.
import { useState } from 'react'
import { Alert, App, Button, Card, Input, Modal, Radio, Select, Space, Table, Tag } from 'antd'
import { Link } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { errText } from './errors'
import { nameOf, useDirectory, type R } from './directory'
import type { QAMe } from './QAConsole'

type Score = R<Schemas['qa.ScoreView']>
type Appeal = R<Schemas['store.QAAppealRow']>

export function MyScoresPage({ me }: { me: QAMe }) {
  const { t } = useTranslation()
  const agent = me.role === 'agent'
  const dir = useDirectory(!agent)
  const scores = useQuery({ queryKey: ['qa', 'scores'], queryFn: () => unwrap(client.GET('/api/v1/qa/scores')) as Promise<Score[]> })
  const appeals = useQuery({ queryKey: ['qa', 'appeals'], enabled: agent, queryFn: () => unwrap(client.GET('/api/v1/qa/appeals')) as Promise<Appeal[]> })
  const [appealing, setAppealing] = useState<Score>()
  return (
    <Card title={agent ? t('qa.menu.myScores') : t('qa.menu.scores')}>
      <Table rowKey="id" size="small" loading={scores.isLoading} dataSource={scores.data ?? []} pagination={{ pageSize: 20 }}
        columns={[
          { title: t('qa.my.when'), render: (_: unknown, r: Score) => fmtDateTime(r.submitted_at ?? r.created_at) },
          !agent && { title: t('qa.work.agent'), render: (_: unknown, r: Score) => nameOf(dir.data?.users, r.agent_id) },
          { title: t('qa.tasks.template'), dataIndex: 'template_name' },
          { title: t('qa.score.total'), render: (_: unknown, r: Score) => <span>{r.total.toFixed(2)} {r.fatal && <Tag color="red">{t('qa.score.fatal')}</Tag>} {r.status === 'submitted' && <Tag color={r.passed ? 'green' : 'red'}>{r.passed ? t('qa.my.passed') : t('qa.my.failed')}</Tag>}</span> },
          { title: t('qa.score.comment'), dataIndex: 'comment' },
          agent && { title: t('qa.menu.appeals'), render: (_: unknown, r: Score) => (appeals.data ?? []).filter((a) => a.score_id === r.id).map((a) => <Tag key={a.id} color={a.status === 'open' ? 'orange' : a.status === 'changed' ? 'green' : 'default'}>{a.item_id}: {t(`qa.appeal.${a.status}`)}</Tag>) },
          {
            title: '', render: (_: unknown, r: Score) => (
              <Space>
                <Link to={`/qa/scores/${r.id}`}>{t('qa.work.view')}</Link>
                {agent && r.appeal_until && new Date(r.appeal_until) > new Date() && <Button size="small" onClick={() => setAppealing(r)}>{t('qa.my.appeal')}</Button>}
              </Space>
            ),
          },
        ].filter(Boolean) as never} />
      {appealing && <AppealModal score={appealing} onClose={() => setAppealing(undefined)} />}
    </Card>
  )
}

function AppealModal({ score, onClose }: { score: Score; onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const tpl = useQuery({ queryKey: ['qa', 'template', score.template_id, score.template_version], queryFn: () => unwrap(client.GET('/api/v1/qa/templates/{id}', { params: { path: { id: score.template_id }, query: { version: String(score.template_version) } } as never })) })
  const [item, setItem] = useState<string>()
  const [reason, setReason] = useState('')
  const [err, setErr] = useState('')
  const items = (tpl.data?.sections ?? []).flatMap((s) => s.items ?? [])
  const send = async () => {
    setErr('')
    try {
      await unwrap(client.POST('/api/v1/qa/scores/{id}/appeals', { params: { path: { id: score.id } }, body: { item_id: item ?? '', reason } }))
      message.success(t('qa.my.appealSent'))
      qc.invalidateQueries({ queryKey: ['qa'] })
      onClose()
    } catch (e) {
      setErr(errText(e))
    }
  }
  return (
    <Modal open title={t('qa.my.appealTitle')} onCancel={onClose} onOk={send} okText={t('qa.my.appealSend')} cancelText={t('qa.cancel')}>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 8 }} />}
      <Space direction="vertical" style={{ width: '100%' }}>
        <Select aria-label={t('qa.my.appealItem')} placeholder={t('qa.my.appealItem')} value={item} onChange={setItem} style={{ width: '100%' }}
          options={items.map((i) => ({ value: i.id ?? '', label: `${i.title} (${score.result?.items?.[i.id ?? ''] ?? 0}/${i.max})` }))} />
        <Input.TextArea aria-label={t('qa.my.appealReason')} placeholder={t('qa.my.appealReason')} value={reason} onChange={(e) => setReason(e.target.value)} rows={3} />
      </Space>
    </Modal>
  )
}

export function AppealsPage() {
  const { t } = useTranslation()
  const dir = useDirectory()
  const [status, setStatus] = useState('open')
  const list = useQuery({ queryKey: ['qa', 'appeals', status], queryFn: () => unwrap(client.GET('/api/v1/qa/appeals', { params: { query: { status } } as never })) as Promise<Appeal[]> })
  const [deciding, setDeciding] = useState<Appeal>()
  return (
    <Card title={t('qa.menu.appeals')} extra={<Radio.Group value={status} onChange={(e) => setStatus(e.target.value)} optionType="button"
      options={['open', 'upheld', 'changed', ''].map((s) => ({ value: s, label: s ? t(`qa.appeal.${s}`) : t('qa.appeal.all') }))} />}>
      <Table rowKey="id" size="small" loading={list.isLoading} dataSource={list.data ?? []} pagination={{ pageSize: 20 }}
        columns={[
          { title: t('qa.my.when'), render: (_, r) => fmtDateTime(r.created_at) },
          { title: t('qa.work.agent'), render: (_, r) => nameOf(dir.data?.users, r.agent_id) },
          { title: t('qa.my.appealItem'), dataIndex: 'item_id' },
          { title: t('qa.my.appealReason'), dataIndex: 'reason' },
          { title: t('qa.work.status'), render: (_, r) => <Tag>{t(`qa.appeal.${r.status}`)}</Tag> },
          { title: t('qa.appeal.note'), dataIndex: 'note' },
          { title: '', render: (_, r) => <Space><Link to={`/qa/scores/${r.score_id}`}>{t('qa.work.view')}</Link>{r.status === 'open' && <Button size="small" type="primary" onClick={() => setDeciding(r)}>{t('qa.appeal.decide')}</Button>}</Space> },
        ]} />
      {deciding && <DecideModal appeal={deciding} onClose={() => setDeciding(undefined)} />}
    </Card>
  )
}

function DecideModal({ appeal, onClose }: { appeal: Appeal; onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const [outcome, setOutcome] = useState('upheld')
  const [value, setValue] = useState('')
  const [note, setNote] = useState('')
  const [err, setErr] = useState('')
  const send = async () => {
    setErr('')
    try {
      await unwrap(client.POST('/api/v1/qa/appeals/{id}/decision', { params: { path: { id: appeal.id } }, body: { outcome, new_value: value, note } }))
      message.success(t('qa.appeal.decided'))
      qc.invalidateQueries({ queryKey: ['qa'] })
      onClose()
    } catch (e) {
      setErr(errText(e))
    }
  }
  return (
    <Modal open title={t('qa.appeal.decideTitle', { item: appeal.item_id })} onCancel={onClose} onOk={send} okText={t('qa.appeal.decide')} cancelText={t('qa.cancel')}>
      {err && <Alert type="error" role="alert" message={err} style={{ marginBottom: 8 }} />}
      <p>{appeal.reason}</p>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Radio.Group aria-label={t('qa.appeal.outcome')} value={outcome} onChange={(e) => setOutcome(e.target.value)} options={[{ value: 'upheld', label: t('qa.appeal.upheld') }, { value: 'changed', label: t('qa.appeal.changed') }]} />
        {outcome === 'changed' && <Input aria-label={t('qa.appeal.newValue')} placeholder={t('qa.appeal.newValuePh')} value={value} onChange={(e) => setValue(e.target.value)} />}
        <Input.TextArea aria-label={t('qa.appeal.note')} placeholder={t('qa.appeal.note')} value={note} onChange={(e) => setNote(e.target.value)} rows={3} />
      </Space>
    </Modal>
  )
}
