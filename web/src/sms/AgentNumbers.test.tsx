import { afterEach, describe, expect, it, vi } from 'vitest'
import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { renderUI } from '../test/render'
import i18n from '../lib/i18n'
import en from '../locales/en.json'
import SmsAdminPage from './SmsAdminPage'

const api = vi.hoisted(() => ({ GET: vi.fn(), PUT: vi.fn(), DELETE: vi.fn(), POST: vi.fn() }))
vi.mock('../lib/api', async (orig) => ({ ...(await orig<typeof import('../lib/api')>()), client: api }))

const users = [
  { id: 'u1', username: 'li', display_name: 'Li Lei', role: 'agent', work_number: '1005' },
  { id: 'u2', username: 'han', display_name: 'Han Mei', role: 'agent', work_number: '1006' },
]
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
const A = en.smsEditors.agentNumbers

afterEach(() => vi.unstubAllGlobals())

// The SMS settings' agents' numbers: the API's message about a number is
// shown at its row, and the stored (normalised) numbers come back.
describe("SMS settings: agents' numbers", () => {
  it('shows the API error at the row and saves the numbers', async () => {
    await i18n.changeLanguage('en')
    api.GET.mockImplementation(() => Promise.resolve({ data: users, response: new Response(null, { status: 200 }) }))
    const puts: unknown[] = []
    const settings = { per_minute: 0, per_day: 0, per_number_per_hour: 0, language: '', rules: [], agent_numbers: { u1: '13900001111' } }
    vi.stubGlobal('fetch', vi.fn(async (path: string, init?: RequestInit) => {
      if (path === '/api/v1/sms/settings' && init?.method === 'PUT') {
        const b = JSON.parse(String(init.body))
        puts.push(b)
        if (puts.length === 1) return json(400, { error: { code: 'invalid', field: 'agent_numbers.u2', message: 'agent_numbers.u2: "12ab" is not a phone number (3 to 20 digits, optional leading +)' } })
        return json(200, { ...b, agent_numbers: { u1: '13900001111', u2: '13900002222' } })
      }
      if (path === '/api/v1/sms/settings') return json(200, settings)
      return json(200, [])
    }))
    renderUI(<SmsAdminPage role="admin" />)
    await userEvent.click(screen.getByRole('tab', { name: en.sms.tabs.settings }))
    const section = await screen.findByRole('region', { name: A.title })
    await within(section).findByText('Li Lei (1005)')
    expect(within(section).getByLabelText(A.number)).toHaveValue('13900001111')

    await userEvent.click(within(section).getByRole('button', { name: A.add }))
    const row = within(section).getAllByTestId('sms-agent-number-row')[1]
    await userEvent.click(within(row).getByRole('combobox', { name: A.agent }))
    const han = await screen.findByTitle('Han Mei (1006)')
    expect(document.querySelector('.ant-select-item-option[title="Li Lei (1005)"]')).toBeNull() // already has a number
    await userEvent.click(han)
    fireEvent.change(within(row).getByLabelText(A.number), { target: { value: '12ab' } })
    await userEvent.click(screen.getByRole('button', { name: en.admin.save }))
    await within(row).findByText('"12ab" is not a phone number (3 to 20 digits, optional leading +)') // at the row: without the field's name
    expect(screen.queryByTestId('sms-error')).toBeNull()
    expect(puts[0]).toMatchObject({ agent_numbers: { u1: '13900001111', u2: '12ab' } })

    fireEvent.change(within(row).getByLabelText(A.number), { target: { value: '139 0000 2222' } })
    await waitFor(() => expect(within(row).queryByText(/not a phone number/)).toBeNull()) // gone once the row is edited
    await userEvent.click(screen.getByRole('button', { name: en.admin.save }))
    await waitFor(() => expect(within(section).getAllByLabelText(A.number)[1]).toHaveValue('13900002222'))
    expect(puts[1]).toMatchObject({ agent_numbers: { u1: '13900001111', u2: '139 0000 2222' }, rules: [] })
    await waitFor(() => expect(within(section).queryByText(/not a phone number/)).toBeNull())
  }, 120_000)
})
