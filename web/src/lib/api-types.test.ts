import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// api-types.ts is generated from openapi.json (which a Go test keeps equal
// to what the API serves): regenerate with `npm run gen:api`.
describe('generated API types', () => {
  it('are current with openapi.json', () => {
    const root = join(__dirname, '../..')
    const out = join(mkdtempSync(join(tmpdir(), 'ipcc-types-')), 'api-types.ts')
    execFileSync(join(root, 'node_modules/.bin/openapi-typescript'), [join(root, 'openapi.json'), '-o', out], { stdio: 'ignore' })
    const want = readFileSync(out, 'utf8')
    const got = readFileSync(join(root, 'src/lib/api-types.ts'), 'utf8')
    expect(got === want, 'src/lib/api-types.ts is stale: run npm run gen:api').toBe(true)
  }, 60_000)
})
