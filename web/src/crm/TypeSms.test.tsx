import { describe, expect, it, vi } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { renderUI } from '../test/render'
import i18n from '../lib/i18n'
import en from '../locales/en.json'
import { WorkOrderTypesPage } from './AdminPages'

const api = vi.hoisted(() => ({ GET: vi.fn(), PUT: vi.fn(), DELETE: vi.fn(), POST: vi.fn() }))
vi.mock('../lib/api', async (orig) => ({ ...(await orig<typeof import('../lib/api')>()), client: api }))

const ok = (data: unknown) => Promise.resolve({ data, response: new Response(null, { status: 200 }) })
const bad = (field: string, message: string) => Promise.resolve({ error: { error: { code: 'invalid', message, field } }, response: new Response(null, { status: 400 }) })

const complaint = {
  id: 'complaint', name: 'Complaint',
  statuses: [{ id: 'new', label: 'New' }, { id: 'done', label: 'Done', resolved: true }],
  transitions: { new: ['done'] },
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
}
const T = en.smsEditors.type

// The type editor's SMS section: the API's message about the recipients is
// shown at "Send to" (not in the JSON's banner), and what is saved is the
// type with its sms.
describe('work-order type SMS editor', () => {
  it('shows the API error at the field and saves the SMS with the type', async () => {
    await i18n.changeLanguage('en')
    api.GET.mockImplementation((path: string) => ok(path === '/api/v1/sms/templates' ? [{ name: 'wo_note', purpose: 'workorder_update', texts: {}, variables: [] }] : [complaint]))
    const msg = 'sms: send to the customer, the assignee or both (set customer and/or assignee)'
    api.PUT.mockImplementationOnce(() => bad('sms', msg)).mockImplementationOnce((_p: string, o: { body: unknown }) => ok(o.body))
    renderUI(<WorkOrderTypesPage />)
    await userEvent.click(await screen.findByRole('button', { name: en.crm.edit }))
    const dlg = await screen.findByRole('dialog')
    await userEvent.click(within(dlg).getByRole('switch', { name: T.enabled }))
    await userEvent.click(within(dlg).getByRole('checkbox', { name: T.customer })) // none left
    await userEvent.click(within(dlg).getByRole('combobox', { name: T.template }))
    await userEvent.click(await screen.findByTitle(`wo_note · ${en.sms.purpose.workorder_update}`))
    await userEvent.click(within(dlg).getByRole('button', { name: en.crm.save }))
    const sendTo = within(dlg).getByText(T.to).closest('.ant-form-item') as HTMLElement
    await within(sendTo).findByText(msg)
    expect(dlg.querySelector('.ant-alert-error')).toBeNull()

    await userEvent.click(within(dlg).getByRole('checkbox', { name: T.assignee }))
    await waitFor(() => expect(within(sendTo).queryByText(msg)).toBeNull()) // gone once the field is changed
    await userEvent.click(within(dlg).getByRole('combobox', { name: T.on }))
    await userEvent.click(await screen.findByTitle(en.smsEditors.reason.commented))
    await userEvent.click(within(dlg).getByRole('button', { name: en.crm.save }))
    await waitFor(() => expect(api.PUT).toHaveBeenCalledTimes(2))
    const body = api.PUT.mock.calls[1][1].body
    expect(body.sms).toEqual({ template: 'wo_note', on: ['created', 'status', 'commented'], customer: false, assignee: true })
    expect(body.statuses).toEqual(complaint.statuses)
    expect(body.created_at).toBeUndefined()
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
  }, 120_000)
})
