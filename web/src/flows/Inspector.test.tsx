import { fireEvent, screen } from '@testing-library/react'
import { renderUI } from '../test/render'
import { Inspector } from './Inspector'
import type { FlowNode, JSONSchema } from './model'

// A node type the console has never heard of: its form comes from the
// schema alone (labels fall back to field names, help to descriptions).
const schema: JSONSchema = {
  'x-node-types': ['teleport'],
  $defs: {
    'node.teleport': {
      description: 'Beam the caller somewhere.',
      required: ['id', 'type', 'planet', 'next'],
      'x-order': ['id', 'note', 'planet', 'warp', 'next'],
      'x-outputs': [{ field: 'next', shape: 'single', required: true }],
      properties: {
        id: { 'x-kind': 'string' },
        note: { 'x-kind': 'text' },
        planet: { 'x-kind': 'enum', enum: ['mars', 'venus'], description: 'Where to.' },
        warp: { 'x-kind': 'integer', minimum: 0, default: '3' },
        next: { 'x-kind': 'edge' },
      },
    },
  },
}

describe('Inspector', () => {
  it('builds the form of an unknown node type from the schema, with errors at their field', () => {
    const node: FlowNode = { id: 't1', type: 'teleport', warp: 5 }
    let changed: FlowNode | undefined
    renderUI(
      <Inspector
        nodeIds={['t1', 'end']}
        isStart={false}
        node={node}
        schema={schema}
        errors={[{ node: 't1', field: 'planet', message: 'planet is required' }]}
        onChange={(n) => (changed = n)}
        onRename={() => undefined}
        onSetStart={() => undefined}
      />,
    )
    expect(screen.getByText(/Beam the caller somewhere\./)).toBeInTheDocument()
    expect(screen.getByText('planet is required')).toBeInTheDocument()
    for (const f of ['planet', 'warp']) expect(screen.getAllByText(f).length).toBeGreaterThan(0)
    const warp = screen.getByLabelText('warp') as HTMLInputElement
    expect(warp.value).toBe('5')
    fireEvent.change(warp, { target: { value: '0' } })
    // 0 is the default's "unset": the field is dropped, not sent as 0.
    expect(changed).toEqual({ id: 't1', type: 'teleport' })
  })
})
