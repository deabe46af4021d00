// ResourcePage is the admin console's one list-and-edit screen: a searchable
// table, a drawer with the resource's form, delete with confirmation, and
// the API's validation messages shown at the field they name.
import { useMemo, useState, type ReactNode } from 'react'
import { Alert, Button, Drawer, Form, Input, Popconfirm, Space, Table, Typography, App as AntApp, type FormInstance } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { applyApiError, errorMessage, type NamePath } from './errors'

export type FormCtx<T> = { editing: T | null; readOnly: boolean; form: FormInstance }

export type ResourcePageProps<T> = {
  title: string
  intro?: ReactNode
  queryKey: unknown[]
  list: () => Promise<T[]>
  rowKey: (r: T) => string
  rowLabel?: (r: T) => string
  columns: ColumnsType<T>
  // Text searched by the search box.
  searchText: (r: T) => string
  readOnly?: boolean
  renderForm?: (ctx: FormCtx<T>) => ReactNode
  initialValues?: Record<string, unknown>
  toForm?: (r: T) => Record<string, unknown> | Promise<Record<string, unknown>>
  create?: (values: any) => Promise<unknown> // eslint-disable-line @typescript-eslint/no-explicit-any
  update?: (r: T, values: any) => Promise<unknown> // eslint-disable-line @typescript-eslint/no-explicit-any
  remove?: (r: T) => Promise<unknown>
  onSaved?: (result: unknown, editing: T | null) => void
  // Called with a refused save's error (after it is shown at its field).
  onError?: (err: unknown) => void
  rowActions?: (r: T) => ReactNode
  toolbar?: ReactNode
  // Below the form of an existing resource (queue members, deliveries).
  below?: (r: T) => ReactNode
  alias?: (field: string) => NamePath | undefined
  drawerWidth?: number
  pageSize?: number
}

export function ResourcePage<T extends object>(p: ResourcePageProps<T>) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const { message } = AntApp.useApp()
  const [form] = Form.useForm()
  const [search, setSearch] = useState('')
  const [open, setOpen] = useState(false)
  const [editing, setEditing] = useState<T | null>(null)
  const [banner, setBanner] = useState<string | null>(null)
  const q = useQuery({ queryKey: p.queryKey, queryFn: p.list })
  const rows = useMemo(() => {
    const s = search.trim().toLowerCase()
    const all = q.data ?? []
    return s ? all.filter((r) => p.searchText(r).toLowerCase().includes(s)) : all
  }, [q.data, search]) // eslint-disable-line react-hooks/exhaustive-deps
  const readOnly = !!p.readOnly

  const openForm = async (r: T | null) => {
    setBanner(null)
    form.resetFields()
    setEditing(r)
    setOpen(true)
    try {
      form.setFieldsValue(r ? (p.toForm ? await p.toForm(r) : (r as Record<string, unknown>)) : (p.initialValues ?? {}))
    } catch (e) {
      setBanner(errorMessage(e))
    }
  }

  const save = useMutation({
    mutationFn: async (values: unknown) => (editing ? p.update!(editing, values) : p.create!(values)),
    onSuccess: (res) => {
      message.success(t('admin.saved'))
      qc.invalidateQueries({ queryKey: p.queryKey })
      p.onSaved?.(res, editing)
      setOpen(false)
    },
    onError: (e) => {
      applyApiError(form, e, p.alias)
      setBanner(errorMessage(e))
      p.onError?.(e)
    },
  })

  const del = useMutation({
    mutationFn: (r: T) => p.remove!(r),
    onSuccess: () => {
      message.success(t('admin.deleted'))
      qc.invalidateQueries({ queryKey: p.queryKey })
    },
    onError: (e) => message.error(t('admin.deleteFailed', { message: errorMessage(e) })),
  })

  const label = (r: T) => (p.rowLabel ?? p.rowKey)(r)
  const canEdit = !!(p.renderForm && (p.update || readOnly))
  const actions: ColumnsType<T>[number] = {
    title: t('admin.actions'),
    key: '_actions',
    onHeaderCell: () => ({ style: { whiteSpace: 'nowrap' } }),
    render: (_: unknown, r: T) => (
      <Space size="small" wrap={false}>
        {canEdit && (
          <Button size="small" aria-label={`${readOnly ? t('admin.view') : t('admin.edit')} ${label(r)}`} onClick={() => openForm(r)}>
            {readOnly ? t('admin.view') : t('admin.edit')}
          </Button>
        )}
        {p.rowActions?.(r)}
        {p.remove && !readOnly && (
          <Popconfirm title={t('admin.confirmDelete', { name: label(r) })} okText={t('admin.delete')} cancelText={t('admin.cancel')} onConfirm={() => del.mutate(r)}>
            <Button size="small" danger aria-label={`${t('admin.delete')} ${label(r)}`}>
              {t('admin.delete')}
            </Button>
          </Popconfirm>
        )}
      </Space>
    ),
  }

  return (
    <section aria-label={p.title}>
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {p.title}
        </Typography.Title>
        <Alert type="info" showIcon message={readOnly ? t('admin.readOnly') : t('admin.live')} description={p.intro} />
        <Space wrap>
          <Input.Search allowClear placeholder={t('admin.search')} aria-label={t('admin.search')} style={{ width: 280 }} value={search} onChange={(e) => setSearch(e.target.value)} />
          {p.create && !readOnly && (
            <Button type="primary" onClick={() => openForm(null)}>
              {t('admin.new')}
            </Button>
          )}
          {p.toolbar}
        </Space>
        {q.error && <Alert type="error" showIcon message={errorMessage(q.error)} />}
        <Table<T>
          size="small"
          rowKey={p.rowKey}
          loading={q.isLoading}
          dataSource={rows}
          columns={[...p.columns, actions]}
          pagination={{ pageSize: p.pageSize ?? 20, hideOnSinglePage: true, showSizeChanger: false }}
          scroll={{ x: true }}
        />
      </Space>
      <Drawer
        open={open}
        width={p.drawerWidth ?? 560}
        title={editing ? `${readOnly ? t('admin.view') : t('admin.edit')}: ${label(editing)}` : `${t('admin.new')}: ${p.title}`}
        onClose={() => setOpen(false)}
        destroyOnClose
        extra={
          !readOnly && (
            <Space>
              <Button onClick={() => setOpen(false)}>{t('admin.cancel')}</Button>
              <Button type="primary" loading={save.isPending} onClick={() => form.submit()}>
                {t('admin.save')}
              </Button>
            </Space>
          )
        }
      >
        {banner && <Alert type="error" showIcon role="alert" message={banner} style={{ marginBottom: 12 }} />}
        <Form
          form={form}
          layout="vertical"
          disabled={readOnly}
          onFinish={(v) => {
            setBanner(null)
            save.mutate(v)
          }}
          onValuesChange={() => banner && setBanner(null)}
        >
          {p.renderForm?.({ editing, readOnly, form })}
        </Form>
        {editing && p.below?.(editing)}
      </Drawer>
    </section>
  )
}
