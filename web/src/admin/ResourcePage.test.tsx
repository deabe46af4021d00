import { describe, expect, it, vi } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Form, Input } from 'antd'
import { renderUI } from '../test/render'
import { ApiError } from '../lib/api'
import i18n from '../lib/i18n'
import { ResourcePage } from './ResourcePage'

type Row = { id: string; name: string }

function page(create: (v: unknown) => Promise<unknown>, readOnly = false) {
  return (
    <ResourcePage<Row>
      title="Things"
      queryKey={['things', readOnly]}
      list={async () => [{ id: 'a', name: 'Alpha' }, { id: 'b', name: 'Beta' }]}
      rowKey={(r) => r.id}
      searchText={(r) => r.name}
      columns={[{ title: 'Name', dataIndex: 'name' }]}
      readOnly={readOnly}
      create={create}
      update={async () => undefined}
      remove={async () => undefined}
      renderForm={() => (
        <>
          <Form.Item name="name" label="Name">
            <Input />
          </Form.Item>
          <Form.Item name={['limits', 'max_wait_ms']} label="Max wait">
            <Input />
          </Form.Item>
        </>
      )}
    />
  )
}

describe('ResourcePage', () => {
  it("shows the API's message at the field it names, nested fields too", async () => {
    await i18n.changeLanguage('en')
    const create = vi.fn().mockRejectedValueOnce(new ApiError(400, 'invalid', 'limits.max_wait_ms must be at most 3600000', 'limits.max_wait_ms'))
    renderUI(page(create))
    await userEvent.click(await screen.findByRole('button', { name: 'New' }))
    await userEvent.type(screen.getByLabelText('Name'), 'Gamma')
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    const item = screen.getByLabelText('Max wait').closest('.ant-form-item') as HTMLElement
    await waitFor(() => expect(within(item).getByText('limits.max_wait_ms must be at most 3600000')).toBeTruthy())
    expect(create).toHaveBeenCalledWith({ name: 'Gamma', limits: { max_wait_ms: undefined } })
    // The banner says it too (a field may sit on another tab).
    expect(screen.getAllByRole('alert').some((a) => a.classList.contains('ant-alert') && a.textContent?.includes('must be at most'))).toBe(true)
  }, 30_000)

  it('searches the rows and hides editing when read-only', async () => {
    await i18n.changeLanguage('en')
    renderUI(page(async () => undefined, true))
    await screen.findByText('Alpha')
    expect(screen.queryByRole('button', { name: 'New' })).toBeNull()
    expect(screen.queryByRole('button', { name: /^Delete/ })).toBeNull()
    expect(screen.getAllByRole('button', { name: /^View/ }).length).toBe(2)
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search' }), 'bet')
    await waitFor(() => expect(screen.queryByText('Alpha')).toBeNull())
    expect(screen.getByText('Beta')).toBeTruthy()
  }, 30_000)
})
