// The SMS settings' agents' mobile numbers (agent_numbers): a work-order
// type whose SMS goes to the assignee texts the assigned user at the
// number set here (users have no phone field). The API's message about a
// number is shown at that row.
import { Button, Form, Input, Select, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useUsers } from '../admin/inputs'
import { rowOfError, type AgentNumberRow } from './agentNumbers'

export function AgentNumbers({ rows, onChange, err, readOnly }: { rows: AgentNumberRow[]; onChange: (rows: AgentNumberRow[]) => void; err?: { field?: string; message: string }; readOnly: boolean }) {
  const { t } = useTranslation()
  const users = useUsers().data ?? []
  const bad = rowOfError(rows, err?.field)
  const set = (i: number, patch: Partial<AgentNumberRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  const label = (id: string) => {
    const u = users.find((x) => x.id === id)
    return u ? `${u.display_name || u.username} (${u.work_number || u.username})` : id
  }
  return (
    <section aria-label={t('smsEditors.agentNumbers.title')} data-testid="sms-agent-numbers">
      <Typography.Title level={5}>{t('smsEditors.agentNumbers.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('smsEditors.agentNumbers.hint')}</Typography.Paragraph>
      {rows.length === 0 && <Typography.Paragraph type="secondary" italic>{t('smsEditors.agentNumbers.none')}</Typography.Paragraph>}
      <Form component="div">
        {rows.map((r, i) => {
          const taken = new Set(rows.filter((_, j) => j !== i).map((x) => x.agent))
          const options = users.filter((u) => u.id && !taken.has(u.id)).map((u) => ({ value: u.id ?? '', label: label(u.id ?? '') }))
          if (r.agent && !options.some((o) => o.value === r.agent)) options.push({ value: r.agent, label: r.agent })
          const agentErr = i === bad && err?.field === 'agent_numbers'
          const numberErr = i === bad && !agentErr
          // At the field, the message need not repeat the field's name.
          const help = err && i === bad ? err.message.replace(`${err.field}: `, '') : undefined
          return (
            <Space key={i} align="start" style={{ display: 'flex', marginBottom: 8 }} data-testid="sms-agent-number-row">
              <Form.Item style={{ marginBottom: 0, width: 260 }} validateStatus={agentErr ? 'error' : undefined} help={agentErr ? help : undefined}>
                <Select disabled={readOnly} showSearch optionFilterProp="label" placeholder={t('smsEditors.agentNumbers.agent')}
                  aria-label={t('smsEditors.agentNumbers.agent')} value={r.agent || undefined} options={options} onChange={(v: string) => set(i, { agent: v })} />
              </Form.Item>
              <Form.Item style={{ marginBottom: 0, width: 300 }} validateStatus={numberErr ? 'error' : undefined} help={numberErr ? help : undefined}>
                <Input disabled={readOnly} placeholder="13900001111" aria-label={t('smsEditors.agentNumbers.number')} value={r.number} onChange={(e) => set(i, { number: e.target.value })} />
              </Form.Item>
              {!readOnly && <Button onClick={() => onChange(rows.filter((_, j) => j !== i))}>{t('smsEditors.agentNumbers.remove')}</Button>}
            </Space>
          )
        })}
      </Form>
      {!readOnly && <Button onClick={() => onChange([...rows, { agent: '', number: '' }])}>{t('smsEditors.agentNumbers.add')}</Button>}
    </section>
  )
}
