// The work-order type editor's SMS section: whether the type texts the
// order's customer and/or assignee, with which SMS template, on which
// changes. The form's values sit under "sms" (see typeSms.ts); the API's
// errors about them are shown at these fields.
import { Checkbox, Divider, Form, Select, Switch, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { defaultSmsTemplate, smsReasons } from './typeSms'

export function TypeSmsFields() {
  const { t } = useTranslation()
  const form = Form.useFormInstance()
  const enabled = Form.useWatch(['sms', 'enabled'], form) as boolean | undefined
  const template = Form.useWatch(['sms', 'template'], form) as string | undefined
  const templates = useQuery({ queryKey: ['sms', 'templates'], queryFn: () => unwrap(client.GET('/api/v1/sms/templates')) })
  const list = [...(templates.data ?? [])].sort((a, b) => Number(b.purpose === 'workorder_update') - Number(a.purpose === 'workorder_update') || (a.name ?? '').localeCompare(b.name ?? ''))
  const missing = !!template && templates.isSuccess && !list.some((tp) => tp.name === template)
  const options = list.map((tp) => ({ value: tp.name ?? '', label: `${tp.name} · ${t(`sms.purpose.${tp.purpose}`, { defaultValue: tp.purpose })}` }))
  if (template && !list.some((tp) => tp.name === template)) options.push({ value: template, label: `${template} · ${t('smsEditors.type.notFound')}` })
  if (!options.some((o) => o.value === defaultSmsTemplate)) options.push({ value: defaultSmsTemplate, label: `${defaultSmsTemplate} · ${t('smsEditors.type.notFound')}` })
  const off = !enabled
  return (
    <section aria-label={t('smsEditors.type.title')}>
      <Divider orientation="left" plain style={{ marginTop: 16 }}>{t('smsEditors.type.title')}</Divider>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>{t('smsEditors.type.hint')}</Typography.Paragraph>
      <Form.Item name={['sms', 'enabled']} label={t('smsEditors.type.enabled')} valuePropName="checked">
        <Switch aria-label={t('smsEditors.type.enabled')} />
      </Form.Item>
      <Form.Item name={['sms', 'template']} label={t('smsEditors.type.template')}
        extra={missing ? <Typography.Text type="warning">{t('smsEditors.type.templateMissing', { name: template })}</Typography.Text> : t('smsEditors.type.templateHint')}>
        <Select disabled={off} aria-label={t('smsEditors.type.template')} options={options} showSearch optionFilterProp="label" style={{ maxWidth: 360 }} />
      </Form.Item>
      <Form.Item name={['sms', 'on']} label={t('smsEditors.type.on')} extra={t('smsEditors.type.onHint')}>
        <Select disabled={off} mode="multiple" aria-label={t('smsEditors.type.on')} options={smsReasons.map((r) => ({ value: r, label: t(`smsEditors.reason.${r}`) }))} />
      </Form.Item>
      <Form.Item name={['sms', 'to']} label={t('smsEditors.type.to')} extra={t('smsEditors.type.toHint')}>
        <Checkbox.Group disabled={off} options={[{ value: 'customer', label: t('smsEditors.type.customer') }, { value: 'assignee', label: t('smsEditors.type.assignee') }]} />
      </Form.Item>
    </section>
  )
}
