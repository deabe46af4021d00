// Template builder: sections with weights, items of four kinds, fatal and
// auto-scored items; saving an existing template stores a new version.
import { useState } from 'react'
import { Alert, App, Button, Card, Checkbox, Input, InputNumber, Select, Space, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { client, unwrap, type Schemas } from '../lib/api'
import { errText } from './errors'

type Template = Schemas['qa.Template']
type Item = Schemas['qa.Item']

const kinds = ['yes_no', 'points', 'deductions', 'scale']
const metrics = ['longest_silence_s', 'silence_s', 'overtalk_s', 'hold_music_s', 'agent_talk_s', 'caller_talk_s', 'talk_ratio', 'silence_ratio', 'duration_s']

function blank(): Template {
  return { name: '', comment_below: 60, pass_score: 60, sections: [{ id: 's1', title: '', weight: 100, items: [{ id: 's1.1', title: '', kind: 'yes_no', max: 10 }] }] }
}

export function TemplatesPage() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const qc = useQueryClient()
  const list = useQuery({ queryKey: ['qa', 'templates'], queryFn: () => unwrap(client.GET('/api/v1/qa/templates')) })
  const [edit, setEdit] = useState<{ id?: string; tpl: Template } | null>(null)
  const [err, setErr] = useState('')
  const save = async () => {
    if (!edit) return
    setErr('')
    try {
      const v = edit.id
        ? await unwrap(client.PUT('/api/v1/qa/templates/{id}', { params: { path: { id: edit.id } }, body: edit.tpl }))
        : await unwrap(client.POST('/api/v1/qa/templates', { body: edit.tpl }))
      message.success(t('qa.tpl.saved', { version: v.version }))
      setEdit(null)
      qc.invalidateQueries({ queryKey: ['qa', 'templates'] })
    } catch (e) {
      setErr(errText(e))
    }
  }
  const set = (f: (t: Template) => void) => {
    if (!edit) return
    const c = structuredClone(edit.tpl)
    f(c)
    setEdit({ ...edit, tpl: c })
  }
  if (edit) {
    const tp = edit.tpl
    return (
      <Card title={edit.id ? t('qa.tpl.editTitle', { name: tp.name }) : t('qa.tpl.newTitle')}>
        <Space direction="vertical" style={{ width: '100%' }}>
          {err && <Alert type="error" role="alert" message={err} />}
          <Space wrap>
            <label>
              {t('qa.tpl.name')} <Input aria-label={t('qa.tpl.name')} value={tp.name} onChange={(e) => set((c) => (c.name = e.target.value))} style={{ width: 260 }} />
            </label>
            <label>
              {t('qa.tpl.commentBelow')} <InputNumber aria-label={t('qa.tpl.commentBelow')} min={0} max={100} value={tp.comment_below} onChange={(v) => set((c) => (c.comment_below = v ?? 0))} />
            </label>
            <label>
              {t('qa.tpl.passScore')} <InputNumber aria-label={t('qa.tpl.passScore')} min={0} max={100} value={tp.pass_score} onChange={(v) => set((c) => (c.pass_score = v ?? 0))} />
            </label>
          </Space>
          {(tp.sections ?? []).map((s, si) => (
            <Card key={si} size="small" type="inner" title={
              <Space>
                <Input aria-label={t('qa.tpl.sectionTitle', { n: si + 1 })} placeholder={t('qa.tpl.sectionTitlePh')} value={s.title} onChange={(e) => set((c) => (c.sections![si].title = e.target.value))} style={{ width: 220 }} />
                {t('qa.tpl.weight')}
                <InputNumber aria-label={t('qa.tpl.sectionWeight', { n: si + 1 })} min={1} value={s.weight} onChange={(v) => set((c) => (c.sections![si].weight = v ?? 1))} />
              </Space>
            } extra={<Button size="small" danger onClick={() => set((c) => c.sections!.splice(si, 1))}>{t('qa.tpl.removeSection')}</Button>}>
              {(s.items ?? []).map((it: Item, ii) => {
                const n = `${si + 1}.${ii + 1}`
                const upd = (f: (i: Item) => void) => set((c) => f(c.sections![si].items![ii]))
                return (
                  <Space key={ii} wrap style={{ marginBottom: 8 }}>
                    <Input aria-label={t('qa.tpl.itemTitle', { n })} placeholder={t('qa.tpl.itemTitlePh')} value={it.title} onChange={(e) => upd((i) => (i.title = e.target.value))} style={{ width: 240 }} />
                    <Select aria-label={t('qa.tpl.kind', { n })} value={it.kind} style={{ width: 130 }} onChange={(v) => upd((i) => (i.kind = v))} options={kinds.map((k) => ({ value: k, label: t(`qa.kind.${k}`) }))} />
                    {t('qa.tpl.max')}
                    <InputNumber aria-label={t('qa.tpl.maxOf', { n })} min={1} value={it.max} onChange={(v) => upd((i) => (i.max = v ?? 1))} style={{ width: 70 }} />
                    {it.kind === 'scale' && <InputNumber aria-label={t('qa.tpl.scaleOf', { n })} min={2} max={10} value={it.scale ?? 5} onChange={(v) => upd((i) => (i.scale = v ?? 5))} style={{ width: 60 }} />}
                    <Checkbox checked={!!it.fatal} onChange={(e) => upd((i) => (i.fatal = e.target.checked))}>{t('qa.tpl.fatal')}</Checkbox>
                    <Checkbox checked={!!it.auto} onChange={(e) => upd((i) => (i.auto = e.target.checked ? { metric: 'longest_silence_s', op: '>', value: 30 } : undefined))}>{t('qa.tpl.auto')}</Checkbox>
                    {it.auto && (
                      <>
                        <Select aria-label={t('qa.tpl.metric', { n })} value={it.auto.metric} style={{ width: 170 }} onChange={(v) => upd((i) => (i.auto!.metric = v))} options={metrics.map((m) => ({ value: m, label: t(`qa.metric.${m}`) }))} />
                        <Select aria-label={t('qa.tpl.op', { n })} value={it.auto.op} style={{ width: 64 }} onChange={(v) => upd((i) => (i.auto!.op = v))} options={['>', '>=', '<', '<='].map((o) => ({ value: o, label: o }))} />
                        <InputNumber aria-label={t('qa.tpl.value', { n })} value={it.auto.value} onChange={(v) => upd((i) => (i.auto!.value = v ?? 0))} style={{ width: 70 }} />
                      </>
                    )}
                    <Button size="small" onClick={() => set((c) => c.sections![si].items!.splice(ii, 1))}>{t('qa.tpl.removeItem')}</Button>
                  </Space>
                )
              })}
              <div><Button size="small" onClick={() => set((c) => c.sections![si].items!.push({ id: `s${si + 1}.${(s.items?.length ?? 0) + 1}`, title: '', kind: 'yes_no', max: 10 }))}>{t('qa.tpl.addItem')}</Button></div>
            </Card>
          ))}
          <Space>
            <Button onClick={() => set((c) => c.sections!.push({ id: `s${c.sections!.length + 1}`, title: '', weight: 50, items: [{ id: `s${c.sections!.length + 1}.1`, title: '', kind: 'yes_no', max: 10 }] }))}>{t('qa.tpl.addSection')}</Button>
            <Button type="primary" onClick={save}>{t('qa.tpl.save')}</Button>
            <Button onClick={() => setEdit(null)}>{t('qa.cancel')}</Button>
          </Space>
        </Space>
      </Card>
    )
  }
  return (
    <Card title={t('qa.tpl.title')} extra={<Button type="primary" onClick={() => setEdit({ tpl: blank() })}>{t('qa.tpl.new')}</Button>}>
      <Table rowKey="id" size="small" loading={list.isLoading} dataSource={list.data ?? []} pagination={false}
        columns={[
          { title: t('qa.tpl.name'), dataIndex: 'name' },
          { title: t('qa.tpl.version'), dataIndex: 'version', width: 80 },
          { title: t('qa.tpl.items'), render: (_, r) => (r.sections ?? []).reduce((n, s) => n + (s.items?.length ?? 0), 0), width: 80 },
          { title: '', width: 100, render: (_, r) => <Button size="small" onClick={() => setEdit({ id: r.id, tpl: { name: r.name, sections: r.sections, comment_below: r.comment_below, pass_score: r.pass_score } })}>{t('qa.tpl.edit')}</Button> },
        ]} />
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{t('qa.tpl.versionHint')}</Typography.Paragraph>
    </Card>
  )
}
