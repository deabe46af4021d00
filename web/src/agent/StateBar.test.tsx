import { screen } from '@testing-library/react'
import i18n from '../lib/i18n'
import { renderUI } from '../test/render'
import { StateBar } from './StateBar'
import { CallPanel } from './CallPanel'

beforeAll(() => i18n.changeLanguage('en'))

describe('StateBar', () => {
  it('a signed-in ready agent can go not ready and sign out; ready is off', () => {
    renderUI(<StateBar state={{ state: 'available', since: new Date().toISOString(), queues: [{ queue_id: 'sales', logged_in: true }] }} />)
    expect(screen.getByRole('status', { name: 'Current state' })).toHaveTextContent('Ready')
    expect(screen.getByRole('button', { name: /^Ready/ })).toBeDisabled()
    expect(screen.getByRole('button', { name: /^Not ready/ })).toBeEnabled()
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeEnabled()
    expect(screen.getByText('sales')).toBeInTheDocument()
  })

  it('wrap-up shows the countdown with extend and end', () => {
    const end = new Date(Date.now() + 65_000).toISOString()
    renderUI(<StateBar state={{ state: 'wrap-up', since: new Date().toISOString(), wrap_up_end: end, queues: [] }} />)
    expect(screen.getByRole('timer')).toHaveTextContent(/Wrap-up ends in 01:0[45]/)
    expect(screen.getByRole('button', { name: '+30 s' })).toBeEnabled()
    expect(screen.getByRole('button', { name: 'End wrap-up' })).toBeEnabled()
  })

  it('a signed-out agent is offered sign-in to all or chosen queues', () => {
    renderUI(<StateBar state={{ state: 'logged-out', queues: [] }} />)
    expect(screen.getByRole('button', { name: /Sign in · All my queues/ })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Chosen queues' })).toBeInTheDocument()
  })
})

describe('CallPanel', () => {
  it('without a call the controls are disabled and say why', () => {
    renderUI(<CallPanel state={{ state: 'available' }} />)
    const hangup = screen.getByRole('button', { name: /^Hang up/ })
    expect(hangup).toBeDisabled()
    expect(hangup).toHaveAttribute('aria-description', 'There is no call')
    expect(hangup).toHaveAttribute('aria-keyshortcuts', 'Alt+E')
  })
})
