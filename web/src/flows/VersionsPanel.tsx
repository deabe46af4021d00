// Versions: the published history, a side-by-side diff of any two (or the
// draft), publish and rollback.
import { App, Button, Checkbox, List, Modal, Select, Space, Tag, Typography } from 'antd'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { memo, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, client, unwrap } from '../lib/api'
import { useTimezone } from '../lib/hooks'
import { fmtDateTime } from '../lib/format'
import { diffLines, nodeChanges, type FlowDoc } from './model'

type Props = {
  flowId: string
  publishedVersion: number
  onChanged: () => void
  onMarks: (m: { added: string[]; changed: string[] } | null) => void
}

async function exportYAML(id: string, version: number): Promise<string> {
  const r = await unwrap(client.GET('/api/v1/flows/{id}/export', { params: { path: { id }, query: version ? { version } : {} } as never }))
  return r.yaml ?? ''
}

async function loadDoc(id: string, version: number): Promise<FlowDoc> {
  if (!version) {
    const f = await unwrap(client.GET('/api/v1/flows/{id}', { params: { path: { id } } }))
    return f.draft as unknown as FlowDoc
  }
  const v = await unwrap(client.GET('/api/v1/flows/{id}/versions/{version}', { params: { path: { id, version } } as never }))
  return v.document as unknown as FlowDoc
}

export const VersionsPanel = memo(function VersionsPanel({ flowId, publishedVersion, onChanged, onMarks }: Props) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const tz = useTimezone()
  const qc = useQueryClient()
  const versions = useQuery({
    queryKey: ['flow-versions', flowId, publishedVersion],
    queryFn: () => unwrap(client.GET('/api/v1/flows/{id}/versions', { params: { path: { id: flowId } } })),
  })
  const [left, setLeft] = useState<number>()
  const [right, setRight] = useState<number>(0)
  const [diff, setDiff] = useState<{ a: string; b: string; nodes: ReturnType<typeof nodeChanges>; title: string } | null>(null)
  const [onCanvas, setOnCanvas] = useState(false)

  const options = useMemo(
    () => [{ value: 0, label: t('flows.draft') }, ...(versions.data ?? []).map((v) => ({ value: v.version ?? 0, label: `v${v.version}` }))],
    [versions.data, t],
  )

  const rollback = async (version: number) => {
    try {
      await unwrap(client.POST('/api/v1/flows/{id}/rollback', { params: { path: { id: flowId } }, body: { version } }))
      message.success(t('flows.rolledBack', { version }))
      qc.invalidateQueries({ queryKey: ['flow-versions', flowId] })
      onChanged()
    } catch (e) {
      message.error(e instanceof ApiError ? e.message : String(e))
    }
  }

  const compare = async () => {
    const a = left ?? versions.data?.[0]?.version ?? 0
    const [ya, yb, da, db] = await Promise.all([exportYAML(flowId, a), exportYAML(flowId, right), loadDoc(flowId, a), loadDoc(flowId, right)])
    const name = (v: number) => (v ? `v${v}` : t('flows.draft'))
    setDiff({ a: ya, b: yb, nodes: nodeChanges(da, db), title: `${name(a)} ↔ ${name(right)}` })
    setOnCanvas(false)
    onMarks(null)
  }

  const rows = diff ? diffLines(diff.a.split('\n'), diff.b.split('\n')) : []
  return (
    <div role="region" aria-label={t('flows.versions')}>
      <Space wrap style={{ marginBottom: 8 }}>
        <Select aria-label={t('flows.diffFrom')} style={{ width: 110 }} placeholder={t('flows.diffFrom')} value={left} onChange={setLeft} options={options} />
        <Select aria-label={t('flows.diffTo')} style={{ width: 110 }} value={right} onChange={setRight} options={options} />
        <Button onClick={compare} disabled={!versions.data?.length && left === undefined}>
          {t('flows.compare')}
        </Button>
        {onCanvas && !diff && (
          <Button onClick={() => (setOnCanvas(false), onMarks(null))}>{t('flows.clearMarks')}</Button>
        )}
      </Space>
      <List
        size="small"
        bordered
        loading={versions.isLoading}
        locale={{ emptyText: t('flows.noVersions') }}
        dataSource={versions.data ?? []}
        renderItem={(v) => (
          <List.Item
            actions={[
              v.published ? (
                <Tag color="green" key="live">
                  {t('flows.live')}
                </Tag>
              ) : (
                <Button key="rb" size="small" onClick={() => rollback(v.version ?? 0)}>
                  {t('flows.rollbackTo', { version: v.version })}
                </Button>
              ),
            ]}
          >
            <List.Item.Meta title={`v${v.version}`} description={`${v.created_at ? fmtDateTime(v.created_at, tz) : ''} · ${v.created_by ?? ''}`} />
          </List.Item>
        )}
      />
      <Modal open={!!diff} onCancel={() => setDiff(null)} footer={null} width="90vw" title={`${t('flows.diff')} ${diff?.title ?? ''}`}>
        {diff && (
          <>
            <Space wrap style={{ marginBottom: 8 }}>
              <Tag color="green">{t('flows.nodesAdded', { count: diff.nodes.added.length })}: {diff.nodes.added.join(', ')}</Tag>
              <Tag color="orange">{t('flows.nodesChanged', { count: diff.nodes.changed.length })}: {diff.nodes.changed.join(', ')}</Tag>
              <Tag color="red">{t('flows.nodesRemoved', { count: diff.nodes.removed.length })}: {diff.nodes.removed.join(', ')}</Tag>
              <Checkbox
                checked={onCanvas}
                onChange={(e) => {
                  setOnCanvas(e.target.checked)
                  onMarks(e.target.checked ? diff.nodes : null)
                }}
              >
                {t('flows.showOnCanvas')}
              </Checkbox>
            </Space>
            <div className="flow-diff" role="table" aria-label={t('flows.diff')}>
              {rows.map((r, i) => (
                <div key={i} className={`flow-diff-row ${r.kind}`} role="row">
                  <span className="ln">{r.ln ?? ''}</span>
                  <pre className="l">{r.left ?? ''}</pre>
                  <span className="ln">{r.rn ?? ''}</span>
                  <pre className="r">{r.right ?? ''}</pre>
                </div>
              ))}
            </div>
            {rows.every((r) => r.kind === 'same') && <Typography.Paragraph>{t('flows.noDifference')}</Typography.Paragraph>}
          </>
        )}
      </Modal>
    </div>
  )
})
