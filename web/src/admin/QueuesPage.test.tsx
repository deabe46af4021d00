import { describe, expect, it } from 'vitest'
import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Button, Form } from 'antd'
import { QueryClient } from '@tanstack/react-query'
import { renderUI } from '../test/render'
import i18n from '../lib/i18n'
import { HoldMusicInput, SentenceInput } from './QueuesPage'

// The queue form's announcement parts: the prompts library's entries and
// the sentence's own values are offered, picked in order, and saved as the
// API's list (library:NAME, {position}).
describe('SentenceInput', () => {
  it('offers library prompts and the values of its sentence, in the order picked', async () => {
    await i18n.changeLanguage('en')
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    qc.setQueryData(['admin', 'prompts'], [{ name: 'you-are-number', kind: 'tts' }, { name: 'in-line', kind: 'file' }])
    let saved: unknown
    renderUI(
      <Form onFinish={(v) => (saved = v)}>
        <Form.Item name={['announcements', 'position_prompt']} label="Position">
          <SentenceInput field="position_prompt" />
        </Form.Item>
        <Button htmlType="submit">Save</Button>
      </Form>,
      qc,
    )
    await userEvent.click(screen.getByLabelText('Position'))
    await userEvent.click(await screen.findByTitle('library:you-are-number'))
    expect(screen.queryByTitle('{agent} work number')).toBeNull() // a value of the agent-ID sentence only
    await userEvent.click(await screen.findByTitle('{position} place in the queue'))
    await userEvent.click(await screen.findByTitle('library:in-line'))
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(saved).toEqual({ announcements: { position_prompt: ['library:you-are-number', '{position}', 'library:in-line'] } }))
  }, 30_000)
})

// The queue's hold music: a prompt of the library, picked from the list
// (library:NAME); cleared, "" (the switch's music on hold).
describe('HoldMusicInput', () => {
  it('offers the library prompts and clears to the switch default', async () => {
    await i18n.changeLanguage('en')
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    qc.setQueryData(['admin', 'prompts'], [{ name: 'acme-music', kind: 'file' }, { name: 'please-hold', kind: 'tts' }])
    let saved: unknown
    renderUI(
      <Form onFinish={(v) => (saved = v)}>
        <Form.Item name="hold_music" label="Hold music">
          <HoldMusicInput />
        </Form.Item>
        <Button htmlType="submit">Save</Button>
      </Form>,
      qc,
    )
    expect(screen.getByText("The switch's music on hold")).toBeTruthy()
    await userEvent.click(screen.getByLabelText('Hold music'))
    await userEvent.click(await screen.findByTitle('library:acme-music'))
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(saved).toEqual({ hold_music: 'library:acme-music' }))
    await userEvent.click(screen.getByLabelText('close-circle'))
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(saved).toEqual({ hold_music: '' }))
  }, 30_000)
})
