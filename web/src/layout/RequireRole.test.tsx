import { screen } from '@testing-library/react'
import i18n from '../lib/i18n'
import { setSession } from '../lib/session'
import { renderUI } from '../test/render'
import { RequireRole, homeFor } from './RequireRole'

beforeAll(() => i18n.changeLanguage('en'))
afterEach(() => setSession(null))

const session = (role: string) => ({ token: 't', expires_at: new Date(Date.now() + 3600e3).toISOString(), session_expires_at: '', user: { id: 'u', username: 'u', role, tenant: 'default' } })

describe('RequireRole', () => {
  it('an agent never sees a supervisor page', () => {
    setSession(session('agent'))
    renderUI(
      <RequireRole roles={['admin', 'supervisor']}>
        <p>grid</p>
      </RequireRole>,
    )
    expect(screen.queryByText('grid')).not.toBeInTheDocument()
    expect(screen.getByText('You have no access to this page.')).toBeInTheDocument()
  })

  it('a supervisor does', () => {
    setSession(session('supervisor'))
    renderUI(
      <RequireRole roles={['admin', 'supervisor']}>
        <p>grid</p>
      </RequireRole>,
    )
    expect(screen.getByText('grid')).toBeInTheDocument()
  })

  it.each([
    ['agent', '/agent'],
    ['qa', '/agent'],
    ['supervisor', '/supervisor'],
    ['admin', '/supervisor'],
  ])('%s starts at %s', (role, path) => expect(homeFor(role)).toBe(path))
})
