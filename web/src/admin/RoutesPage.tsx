import { useState } from 'react'
import { Alert, Badge, Button, Calendar, DatePicker, Form, Input, InputNumber, Select, Space, Switch, Tag, Typography } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { ResourcePage } from './ResourcePage'
import { DateInput, TagsInput, TargetInput, cleanTarget, useSchedules } from './inputs'
import { errorMessage } from './errors'

type Route = Schemas['dialplan.Route']
type Schedule = Schemas['schedule.Schedule']
export const routeKinds = ['flow', 'queue', 'agent', 'extension', 'voicemail', 'external', 'hangup']
const branches = ['open', 'lunch', 'holiday', 'closed'] as const
const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']

function routeBody(v: Schemas['api.routeRequest']): Schemas['api.routeRequest'] {
  const b = Object.fromEntries(branches.map((k) => [k, cleanTarget(v.branches?.[k])]).filter(([, x]) => x))
  return { ...v, branches: b, default: cleanTarget(v.default), sticky: { enabled: !!v.sticky?.enabled, days: v.sticky?.days || undefined }, schedule_id: v.schedule_id || undefined }
}

// Decide dry-runs the routing decision for a DID and caller at a time
// (POST /routes/decide): where the call would go, and why.
function Decide() {
  const { t } = useTranslation()
  const [form] = Form.useForm()
  const [res, setRes] = useState<Schemas['dialplan.Decision']>()
  const [err, setErr] = useState<string>()
  return (
    <section aria-label={t('admin.routes.decide')} style={{ marginTop: 24 }}>
      <Typography.Title level={5}>{t('admin.routes.decide')}</Typography.Title>
      <Form
        form={form}
        layout="inline"
        onFinish={async (v) => {
          setErr(undefined)
          setRes(undefined)
          try {
            setRes(await unwrap(client.POST('/api/v1/routes/decide', { body: { did: v.did ?? '', ani: v.ani ?? '', at: v.at ? (v.at as Dayjs).toISOString() : undefined } })))
          } catch (e) {
            setErr(errorMessage(e))
          }
        }}
      >
        <Form.Item name="did" label={t('admin.routes.did')}>
          <Input style={{ width: 140 }} placeholder="4001" />
        </Form.Item>
        <Form.Item name="ani" label={t('admin.routes.caller')}>
          <Input style={{ width: 160 }} placeholder="13800000000" />
        </Form.Item>
        <Form.Item name="at" label={t('admin.routes.at')}>
          <DatePicker showTime />
        </Form.Item>
        <Button htmlType="submit">{t('admin.routes.decideRun')}</Button>
      </Form>
      {err && <Alert type="error" showIcon message={err} style={{ marginTop: 12 }} />}
      {res && (
        <Alert
          type={res.hangup || res.Blacklisted ? 'warning' : 'success'}
          style={{ marginTop: 12 }}
          message={`${res.branch ? `${t(`admin.routes.branches.${res.branch}`, res.branch)} · ` : ''}${res.target ? `${t(`admin.target.kinds.${res.target.kind}`, res.target.kind ?? '')} ${res.target.ref ?? ''}` : res.action ?? ''}`}
          description={
            <ol style={{ margin: 0, paddingLeft: 20 }}>
              {(res.trace ?? []).map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ol>
          }
        />
      )}
    </section>
  )
}

export function RoutesPage() {
  const { t } = useTranslation()
  const schedules = useSchedules().data ?? []
  return (
    <>
      <ResourcePage<Route>
        title={t('admin.routes.title')}
        intro={t('admin.routes.intro')}
        queryKey={['admin', 'routes']}
        list={() => unwrap(client.GET('/api/v1/routes'))}
        rowKey={(r) => r.id ?? ''}
        rowLabel={(r) => r.name || r.did || ''}
        searchText={(r) => `${r.name} ${r.did} ${r.default?.ref ?? ''}`}
        drawerWidth={640}
        columns={[
          { title: t('admin.routes.name'), dataIndex: 'name' },
          { title: t('admin.routes.did'), dataIndex: 'did' },
          { title: t('admin.routes.schedule'), dataIndex: 'schedule_id', render: (id: string) => schedules.find((s) => s.id === id)?.name ?? id },
          { title: t('admin.routes.default'), dataIndex: 'default', render: (d?: Schemas['dialplan.Target']) => (d ? `${t(`admin.target.kinds.${d.kind}`)} ${d.ref ?? ''}` : '–') },
          { title: t('admin.routes.enabled'), dataIndex: 'enabled', render: (e: boolean) => (e ? <Tag color="green">{t('admin.enabled')}</Tag> : <Tag>{t('admin.disabled')}</Tag>) },
        ]}
        initialValues={{ enabled: true, sticky: { enabled: false }, branches: {} }}
        create={(v) => unwrap(client.POST('/api/v1/routes', { body: routeBody(v) }))}
        update={(r, v) => unwrap(client.PUT('/api/v1/routes/{id}', { params: { path: { id: r.id! } }, body: routeBody(v) }))}
        remove={(r) => unwrap(client.DELETE('/api/v1/routes/{id}', { params: { path: { id: r.id! } } }))}
        renderForm={() => (
          <>
            <Form.Item name="name" label={t('admin.routes.name')}>
              <Input />
            </Form.Item>
            <Form.Item name="did" label={t('admin.routes.did')} extra={t('admin.routes.didHint')}>
              <Input />
            </Form.Item>
            <Space size="large">
              <Form.Item name="enabled" label={t('admin.routes.enabled')} valuePropName="checked">
                <Switch />
              </Form.Item>
              <Form.Item name="language" label={t('admin.routes.language')}>
                <Select allowClear style={{ width: 160 }} options={[{ value: 'zh-CN', label: '简体中文' }, { value: 'en', label: 'English' }]} />
              </Form.Item>
            </Space>
            <Form.Item name="schedule_id" label={t('admin.routes.schedule')}>
              <Select allowClear options={schedules.map((s) => ({ value: s.id!, label: s.name }))} />
            </Form.Item>
            <Form.Item name="default" label={t('admin.routes.default')} extra={t('admin.routes.defaultHint')}>
              <TargetInput kinds={routeKinds} optional />
            </Form.Item>
            {branches.map((b) => (
              <Form.Item key={b} name={['branches', b]} label={t(`admin.routes.branches.${b}`)}>
                <TargetInput kinds={routeKinds} optional />
              </Form.Item>
            ))}
            <Space size="large">
              <Form.Item name={['sticky', 'enabled']} label={t('admin.routes.sticky')} valuePropName="checked">
                <Switch />
              </Form.Item>
              <Form.Item name={['sticky', 'days']} label={t('admin.routes.stickyDays')}>
                <InputNumber min={0} />
              </Form.Item>
            </Space>
          </>
        )}
      />
      <Decide />
    </>
  )
}

// Schedules keep weekly spans as lists per weekday; the form edits them as
// tags ("09:00-12:00").
function scheduleBody(v: Schedule): Schedule {
  const weekly = Object.fromEntries(days.map((d) => [d, v.weekly?.[d] ?? []]).filter(([, x]) => (x as string[]).length))
  return {
    name: v.name,
    timezone: v.timezone,
    weekly,
    lunch: v.lunch?.length ? v.lunch : undefined,
    weekly_lunch: v.weekly_lunch && Object.keys(v.weekly_lunch).length ? v.weekly_lunch : undefined,
    holidays: (v.holidays ?? []).filter((h) => h && (h.from || h.name)),
    special_working_days: (v.special_working_days ?? []).filter((h) => h && (h.from || h.name)),
  }
}

export function SchedulesPage() {
  const { t } = useTranslation()
  return (
    <ResourcePage<Schedule>
      title={t('admin.schedules.title')}
      intro={t('admin.schedules.intro')}
      queryKey={['admin', 'schedules']}
      list={() => unwrap(client.GET('/api/v1/schedules'))}
      rowKey={(s) => s.id ?? ''}
      rowLabel={(s) => s.name ?? ''}
      searchText={(s) => `${s.name} ${s.timezone}`}
      drawerWidth={760}
      columns={[
        { title: t('admin.schedules.name'), dataIndex: 'name' },
        { title: t('admin.schedules.timezone'), dataIndex: 'timezone' },
        { title: t('admin.schedules.holidays'), dataIndex: 'holidays', render: (h?: unknown[]) => h?.length ?? 0 },
        { title: t('admin.schedules.special'), dataIndex: 'special_working_days', render: (h?: unknown[]) => h?.length ?? 0 },
      ]}
      initialValues={{ timezone: 'Asia/Shanghai', weekly: Object.fromEntries(days.slice(0, 5).map((d) => [d, ['09:00-18:00']])), lunch: ['12:00-13:00'], holidays: [], special_working_days: [] }}
      create={(v) => unwrap(client.POST('/api/v1/schedules', { body: scheduleBody(v) }))}
      update={(s, v) => unwrap(client.PUT('/api/v1/schedules/{id}', { params: { path: { id: s.id! } }, body: scheduleBody(v) }))}
      remove={(s) => unwrap(client.DELETE('/api/v1/schedules/{id}', { params: { path: { id: s.id! } } }))}
      below={(s) => <Evaluate id={s.id!} />}
      renderForm={({ form }) => (
        <>
          <Space size="large" wrap>
            <Form.Item name="name" label={t('admin.schedules.name')}>
              <Input style={{ width: 260 }} />
            </Form.Item>
            <Form.Item name="timezone" label={t('admin.schedules.timezone')}>
              <Input style={{ width: 220 }} placeholder="Asia/Shanghai" />
            </Form.Item>
          </Space>
          <Typography.Title level={5}>{t('admin.schedules.weekly')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('admin.schedules.weeklyHint')}</Typography.Paragraph>
          {days.map((d) => (
            <Form.Item key={d} name={['weekly', d]} label={t(`admin.schedules.days.${d}`)} style={{ marginBottom: 8 }}>
              <TagsInput placeholder="09:00-18:00" />
            </Form.Item>
          ))}
          <Form.Item name="lunch" label={t('admin.schedules.lunch')}>
            <TagsInput placeholder="12:00-13:00" />
          </Form.Item>
          {/* kept as loaded: per-weekday lunch (API and YAML only) */}
          <Form.Item name="weekly_lunch" hidden>
            <Input />
          </Form.Item>
          <DayList name="holidays" title={t('admin.schedules.holidays')} />
          <DayList name="special_working_days" title={t('admin.schedules.special')} special />
          <Form.Item noStyle shouldUpdate>
            {() => <HolidayCalendar holidays={form.getFieldValue('holidays') ?? []} special={form.getFieldValue('special_working_days') ?? []} />}
          </Form.Item>
        </>
      )}
    />
  )
}

export function DayList({ name, title, special }: { name: string | (string | number)[]; title: string; special?: boolean }) {
  const { t } = useTranslation()
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <section aria-label={title} style={{ marginBottom: 16 }}>
          <Typography.Title level={5}>{title}</Typography.Title>
          {fields.map((f) => (
            <Space key={f.key} align="start" wrap style={{ display: 'flex', marginTop: 8 }}>
              <Form.Item name={[f.name, 'name']} style={{ marginBottom: 0 }}>
                <Input placeholder={t('admin.schedules.dayName')} aria-label={t('admin.schedules.dayName')} style={{ width: 150 }} />
              </Form.Item>
              <Form.Item name={[f.name, 'from']} style={{ marginBottom: 0 }}>
                <DateInput />
              </Form.Item>
              <Form.Item name={[f.name, 'to']} style={{ marginBottom: 0 }}>
                <DateInput />
              </Form.Item>
              {special && (
                <>
                  <Form.Item name={[f.name, 'open']} style={{ marginBottom: 0, width: 200 }}>
                    <TagsInput placeholder={t('admin.schedules.openSpans')} />
                  </Form.Item>
                  {/* kept as loaded */}
                  <Form.Item name={[f.name, 'hours_of']} hidden>
                    <Input />
                  </Form.Item>
                  <Form.Item name={[f.name, 'lunch']} hidden>
                    <Input />
                  </Form.Item>
                  <Form.Item name={[f.name, 'no_lunch']} hidden>
                    <Input />
                  </Form.Item>
                </>
              )}
              <Button onClick={() => remove(f.name)}>{t('admin.delete')}</Button>
            </Space>
          ))}
          <div style={{ marginTop: 8 }}>
            <Button size="small" onClick={() => add({})}>
              {t('admin.add')}
            </Button>
          </div>
        </section>
      )}
    </Form.List>
  )
}

type Range = { from?: string; to?: string; name?: string }
function inRange(d: Dayjs, r: Range) {
  if (!r?.from) return false
  const s = d.format('YYYY-MM-DD')
  return s >= r.from && s <= (r.to || r.from)
}

// HolidayCalendar shows the holidays and special working days on a month.
function HolidayCalendar({ holidays, special }: { holidays: Range[]; special: Range[] }) {
  const { t } = useTranslation()
  return (
    <section aria-label={t('admin.schedules.calendar')}>
      <Typography.Title level={5}>{t('admin.schedules.calendar')}</Typography.Title>
      <Calendar
        fullscreen={false}
        cellRender={(d: Dayjs, info) => {
          if (info.type !== 'date') return info.originNode
          const h = holidays.find((r) => inRange(d, r))
          const s = special.find((r) => inRange(d, r))
          if (s) return <Badge status="success" text={s.name || t('admin.schedules.workDay')} />
          if (h) return <Badge status="error" text={h.name || t('admin.schedules.holiday')} />
          return null
        }}
      />
    </section>
  )
}

function Evaluate({ id }: { id: string }) {
  const { t } = useTranslation()
  const [at, setAt] = useState<Dayjs>(dayjs())
  const [res, setRes] = useState<string>()
  const [err, setErr] = useState<string>()
  return (
    <section aria-label={t('admin.schedules.evaluate')}>
      <Typography.Title level={5}>{t('admin.schedules.evaluate')}</Typography.Title>
      <Space wrap>
        <DatePicker showTime value={at} onChange={(d) => d && setAt(d)} />
        <Button
          onClick={async () => {
            setErr(undefined)
            try {
              const r = await unwrap(client.GET('/api/v1/schedules/{id}/evaluate', { params: { path: { id }, query: { at: at.toISOString() } as never } }))
              setRes(JSON.stringify(r))
            } catch (e) {
              setErr(errorMessage(e))
            }
          }}
        >
          {t('admin.schedules.evaluateRun')}
        </Button>
      </Space>
      {res && <pre style={{ whiteSpace: 'pre-wrap', marginTop: 8 }}>{res}</pre>}
      {err && <Alert type="error" message={err} />}
    </section>
  )
}
