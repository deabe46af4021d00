// Form inputs for custom fields (text, number, date, select, bool) under
// name [prefix, field.name]; the API validates them again.
import { lazy, Suspense, type ComponentProps } from 'react'
import { Form, Input, InputNumber, Select, Switch } from 'antd'
import dayjs from 'dayjs'
import type { Field } from './types'

// The date picker is large and only some forms have a date field: it loads
// when one is shown, not with the agent desktop.
const DatePicker = lazy(() => import('antd/es/date-picker'))

// DateInput is the Form.Item's direct child, so it receives value and
// onChange and hands them to the picker once loaded.
function DateInput(props: ComponentProps<typeof DatePicker>) {
  return (
    <Suspense fallback={<Input disabled style={props.style} aria-label={props['aria-label']} />}>
      <DatePicker {...props} />
    </Suspense>
  )
}

export function FieldInputs({ fields, prefix = 'fields' }: { fields: Field[]; prefix?: string }) {
  return (
    <>
      {fields.map((f) => (
        <Form.Item
          key={f.name}
          name={[prefix, f.name ?? '']}
          label={f.label}
          rules={f.required ? [{ required: true, message: f.label }] : undefined}
          valuePropName={f.type === 'bool' ? 'checked' : 'value'}
          getValueProps={f.type === 'date' ? (v: string | undefined) => ({ value: v ? dayjs(v) : undefined }) : undefined}
          normalize={f.type === 'date' ? (v: dayjs.Dayjs | null) => (v ? v.format('YYYY-MM-DD') : undefined) : undefined}
        >
          {f.type === 'number' ? (
            <InputNumber style={{ width: '100%' }} aria-label={f.label} />
          ) : f.type === 'date' ? (
            <DateInput style={{ width: '100%' }} aria-label={f.label} />
          ) : f.type === 'select' ? (
            <Select aria-label={f.label} allowClear options={(f.options ?? []).map((o) => ({ value: o, label: o }))} />
          ) : f.type === 'bool' ? (
            <Switch aria-label={f.label} />
          ) : (
            <Input aria-label={f.label} maxLength={f.max_length || 500} />
          )}
        </Form.Item>
      ))}
    </>
  )
}

// fieldText shows a stored value.
export function fieldText(f: Field, v: unknown, yes: string, no: string): string {
  if (v === undefined || v === null || v === '') return ''
  if (f.type === 'bool') return v ? yes : no
  return String(v)
}
