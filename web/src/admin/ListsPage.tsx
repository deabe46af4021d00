import { useState, type ReactNode } from 'react'
import { Alert, Button, Form, Input, InputNumber, Select, Switch, Tag, Upload, App as AntApp, Space } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import { useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { fmtDateTime } from '../lib/format'
import { useTimezone } from '../lib/hooks'
import { ResourcePage, type ResourcePageProps } from './ResourcePage'
import { TimeInput, TargetInput, enumOptions, useRoutes } from './inputs'
import { routeKinds } from './RoutesPage'
import { errorMessage } from './errors'
import { download, postCSV } from './http'

type Black = Schemas['dialplan.BlacklistEntry']
type White = Schemas['dialplan.WhitelistEntry']
type Rule = Schemas['dialplan.CallerRule']
type List = Schemas['store.CallerList']
type NumberEntry = { id?: string; number?: string }

// CSVTools imports a CSV file (all rows or none: a bad row is named by the
// API) and exports the list.
function CSVTools({ base, file, queryKey }: { base: string; file: string; queryKey: unknown[] }) {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  const qc = useQueryClient()
  const [err, setErr] = useState<string>()
  return (
    <>
      <Upload
        accept=".csv,text/csv"
        showUploadList={false}
        beforeUpload={async (f) => {
          setErr(undefined)
          try {
            const r = await postCSV<Schemas['api.importResult']>(`${base}/import`, await f.text())
            message.success(t('admin.csv.imported', { added: r.added ?? 0, updated: r.updated ?? 0 }))
            qc.invalidateQueries({ queryKey })
          } catch (e) {
            setErr(errorMessage(e))
          }
          return false
        }}
      >
        <Button>{t('admin.csv.import')}</Button>
      </Upload>
      <Button onClick={() => download(`${base}/export`, file).catch((e) => message.error(errorMessage(e)))}>{t('admin.csv.export')}</Button>
      {err && <Alert type="error" showIcon role="alert" message={t('admin.csv.refused')} description={err} closable onClose={() => setErr(undefined)} />}
    </>
  )
}

// NumberListPage is a list of numbers (the blacklist, the VIP whitelist):
// number, kind and expiry around the list's own columns and form fields,
// with CSV import and export for those who edit.
function NumberListPage<T extends NumberEntry>({
  name,
  file,
  readOnly,
  columns,
  fields,
  ...api
}: {
  name: 'blacklist' | 'whitelist'
  file: string
  readOnly?: boolean
  // columns and fields are the list's own, between the kind and the expiry.
  columns: ColumnsType<T>
  fields: ReactNode
} & Required<Pick<ResourcePageProps<T>, 'list' | 'searchText' | 'initialValues' | 'create' | 'update' | 'remove'>>) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const key = ['admin', name]
  return (
    <ResourcePage<T>
      {...api}
      title={t(`admin.${name}.title`)}
      intro={t(`admin.${name}.intro`)}
      readOnly={readOnly}
      queryKey={key}
      rowKey={(e) => e.id ?? ''}
      rowLabel={(e) => e.number ?? ''}
      toolbar={!readOnly && <CSVTools base={`/api/v1/${name}`} file={file} queryKey={key} />}
      columns={[
        { title: t('admin.lists.number'), dataIndex: 'number' },
        { title: t('admin.lists.kind'), dataIndex: 'kind', render: (k: string) => t(`admin.lists.kinds.${k}`) },
        ...columns,
        { title: t('admin.lists.expires'), dataIndex: 'expires_at', render: (v?: string) => (v ? fmtDateTime(v, tz) : t('admin.lists.never')) },
      ]}
      renderForm={() => (
        <>
          <Form.Item name="number" label={t('admin.lists.number')}>
            <Input />
          </Form.Item>
          <Form.Item name="kind" label={t('admin.lists.kind')}>
            <Select options={enumOptions(t, 'admin.lists.kinds', ['exact', 'prefix'])} />
          </Form.Item>
          {fields}
          <Form.Item name="expires_at" label={t('admin.lists.expires')}>
            <TimeInput />
          </Form.Item>
        </>
      )}
    />
  )
}

export function BlacklistPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  return (
    <NumberListPage<Black>
      name="blacklist"
      file="blacklist.csv"
      readOnly={readOnly}
      list={() => unwrap(client.GET('/api/v1/blacklist'))}
      searchText={(e) => `${e.number} ${e.reason}`}
      columns={[{ title: t('admin.blacklist.reason'), dataIndex: 'reason' }]}
      initialValues={{ kind: 'exact' }}
      create={(v) => unwrap(client.POST('/api/v1/blacklist', { body: v }))}
      update={(e, v) => unwrap(client.PUT('/api/v1/blacklist/{id}', { params: { path: { id: e.id! } }, body: v }))}
      remove={(e) => unwrap(client.DELETE('/api/v1/blacklist/{id}', { params: { path: { id: e.id! } } }))}
      fields={
        <Form.Item name="reason" label={t('admin.blacklist.reason')}>
          <Input />
        </Form.Item>
      }
    />
  )
}

export function WhitelistPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  return (
    <NumberListPage<White>
      name="whitelist"
      file="vip.csv"
      readOnly={readOnly}
      list={() => unwrap(client.GET('/api/v1/whitelist'))}
      searchText={(e) => `${e.number} ${e.name}`}
      columns={[
        { title: t('admin.whitelist.name'), dataIndex: 'name' },
        { title: t('admin.whitelist.priority'), dataIndex: 'priority' },
      ]}
      initialValues={{ kind: 'exact', priority: 10 }}
      create={(v) => unwrap(client.POST('/api/v1/whitelist', { body: v }))}
      update={(e, v) => unwrap(client.PUT('/api/v1/whitelist/{id}', { params: { path: { id: e.id! } }, body: v }))}
      remove={(e) => unwrap(client.DELETE('/api/v1/whitelist/{id}', { params: { path: { id: e.id! } } }))}
      fields={
        <>
          <Form.Item name="name" label={t('admin.whitelist.name')}>
            <Input />
          </Form.Item>
          <Form.Item name="priority" label={t('admin.whitelist.priority')} extra={t('admin.whitelist.priorityHint')}>
            <InputNumber min={0} />
          </Form.Item>
        </>
      }
    />
  )
}

export function CallerRulesPage() {
  const { t } = useTranslation()
  const routes = useRoutes().data ?? []
  return (
    <ResourcePage<Rule>
      title={t('admin.rules.title')}
      intro={t('admin.rules.intro')}
      queryKey={['admin', 'caller-rules']}
      list={() => unwrap(client.GET('/api/v1/caller-rules'))}
      rowKey={(r) => r.id ?? ''}
      rowLabel={(r) => r.name ?? ''}
      searchText={(r) => `${r.name} ${r.value} ${r.target?.ref ?? ''}`}
      columns={[
        { title: t('admin.rules.position'), dataIndex: 'position' },
        { title: t('admin.rules.name'), dataIndex: 'name' },
        { title: t('admin.rules.route'), dataIndex: 'route_id', render: (id?: string) => (id ? routes.find((r) => r.id === id)?.name ?? id : t('admin.rules.allRoutes')) },
        { title: t('admin.rules.match'), dataIndex: 'match', render: (m: string, r) => `${t(`admin.rules.matches.${m}`)}: ${r.value}` },
        { title: t('admin.rules.target'), dataIndex: 'target', render: (d?: Schemas['dialplan.Target']) => (d ? `${t(`admin.target.kinds.${d.kind}`)} ${d.ref ?? ''}` : '–') },
        { title: t('admin.routes.enabled'), dataIndex: 'enabled', render: (e: boolean) => (e ? <Tag color="green">{t('admin.enabled')}</Tag> : <Tag>{t('admin.disabled')}</Tag>) },
      ]}
      initialValues={{ match: 'prefix', enabled: true, position: 10, target: { kind: 'queue', ref: '' } }}
      create={(v) => unwrap(client.POST('/api/v1/caller-rules', { body: { ...v, route_id: v.route_id || undefined } }))}
      update={(r, v) => unwrap(client.PUT('/api/v1/caller-rules/{id}', { params: { path: { id: r.id! } }, body: { ...v, route_id: v.route_id || undefined } }))}
      remove={(r) => unwrap(client.DELETE('/api/v1/caller-rules/{id}', { params: { path: { id: r.id! } } }))}
      renderForm={() => (
        <>
          <Form.Item name="name" label={t('admin.rules.name')}>
            <Input />
          </Form.Item>
          <Form.Item name="route_id" label={t('admin.rules.route')} extra={t('admin.rules.routeHint')}>
            <Select allowClear options={routes.map((r) => ({ value: r.id!, label: `${r.name} (${r.did})` }))} />
          </Form.Item>
          <Form.Item name="position" label={t('admin.rules.position')}>
            <InputNumber min={0} />
          </Form.Item>
          <Space.Compact block>
            <Form.Item name="match" label={t('admin.rules.match')}>
              <Select style={{ width: 160 }} options={enumOptions(t, 'admin.rules.matches', ['prefix', 'area', 'list'])} />
            </Form.Item>
            <Form.Item name="value" label={t('admin.rules.value')} style={{ flex: 1 }}>
              <Input />
            </Form.Item>
          </Space.Compact>
          <Form.Item name="target" label={t('admin.rules.target')}>
            <TargetInput kinds={routeKinds} />
          </Form.Item>
          <Form.Item name="enabled" label={t('admin.routes.enabled')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </>
      )}
    />
  )
}

export function CallerListsPage() {
  const { t } = useTranslation()
  const lines = (s?: string) => (s ?? '').split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean)
  return (
    <ResourcePage<List>
      title={t('admin.callerLists.title')}
      intro={t('admin.callerLists.intro')}
      queryKey={['admin', 'caller-lists']}
      list={() => unwrap(client.GET('/api/v1/caller-lists'))}
      rowKey={(l) => l.name ?? ''}
      searchText={(l) => l.name ?? ''}
      columns={[
        { title: t('admin.callerLists.name'), dataIndex: 'name' },
        { title: t('admin.callerLists.count'), dataIndex: 'count' },
      ]}
      toForm={async (l) => {
        const r = await unwrap(client.GET('/api/v1/caller-lists/{name}', { params: { path: { name: l.name! } } }))
        return { name: r.name, numbers: (r.numbers ?? []).join('\n') }
      }}
      alias={(f) => (f.startsWith('numbers') ? ['numbers'] : undefined)}
      create={(v) => unwrap(client.PUT('/api/v1/caller-lists/{name}', { params: { path: { name: (v.name ?? '').trim() } }, body: { numbers: lines(v.numbers) } }))}
      update={(l, v) => unwrap(client.PUT('/api/v1/caller-lists/{name}', { params: { path: { name: l.name! } }, body: { numbers: lines(v.numbers) } }))}
      remove={(l) => unwrap(client.DELETE('/api/v1/caller-lists/{name}', { params: { path: { name: l.name! } } }))}
      renderForm={({ editing }) => (
        <>
          <Form.Item name="name" label={t('admin.callerLists.name')} rules={[{ required: true, message: t('admin.required') }]}>
            <Input disabled={!!editing} />
          </Form.Item>
          <Form.Item name="numbers" label={t('admin.callerLists.numbers')} extra={t('admin.callerLists.numbersHint')}>
            <Input.TextArea rows={12} />
          </Form.Item>
        </>
      )}
    />
  )
}
