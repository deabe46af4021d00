// Browser journey of tenant quotas (docs/tenants.md): the superadmin sees the
// demo tenant's usage on the Tenants page, sets its agent quota to the
// agents signed in now (agent 1001 at least) through the Quota dialog (the tag turns red), and
// agent 1005 signing in from the desktop is refused with the plain
// message. The quota is cleared at the end.
//
// On its own, it starts `ipcc serve --demo --demo-quiet` itself:
//   IPCC_BIN=../bin/ipcc node e2e/tenants.mjs
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runStandalone } from './standalone.mjs'
import { superadminPage } from './superadmin.mjs'

const here = new URL('.', import.meta.url).pathname
const E = JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8'))
const Z = JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8'))

function formItem(scope, name) {
  return scope.locator('.ant-form-item').filter({ has: scope.page().locator(`label[title="${name}"]`) })
}

export async function tenantsJourney(h) {
  const { browser, base, step, api, token, assert, shot, adminPassword, debugPages } = h
  const sa = await token(base, 'admin', adminPassword)
  let signedIn = 0

  await step('tenants: the superadmin sets the agent quota in the Quota dialog and sees it reached', async () => {
    // Agent 1005 must be signed out (earlier journeys may have left them on a
    // call, in wrap-up or signed in): the refusal is about their sign-in.
    const t5 = await token(base, '1005')
    await api(base, 'POST', '/api/v1/agent/call/hangup', t5)
    for (let i = 0; i < 60; i++) {
      const st = (await api(base, 'GET', '/api/v1/agent/state', t5)).body
      if (!st?.state || st.state === 'logged-out') break
      if (st.state === 'wrap-up') await api(base, 'POST', '/api/v1/agent/wrap-up/end', t5)
      await api(base, 'POST', '/api/v1/agent/logout', t5)
      await new Promise((r) => setTimeout(r, 250))
    }
    // One agent is signed in at least (the quiet demo signs in none).
    const a1 = await api(base, 'POST', '/api/v1/agent/login', await token(base, '1001'), {})
    assert(a1.status === 200 || a1.status === 409, `agent 1001 sign-in ${a1.status} ${JSON.stringify(a1.body)}`)
    const u = await api(base, 'GET', '/api/v1/tenants/default/usage', sa)
    assert(u.status === 200 && u.body.agents_signed_in > 0, `usage ${u.status} ${JSON.stringify(u.body)}`)
    signedIn = u.body.agents_signed_in
    const { ctx, page: p } = await superadminPage(browser, base, adminPassword, { width: 1600 })
    debugPages.push(p)
    const sec = p.getByRole('region', { name: E.admin.tenants.title })
    const row = sec.getByRole('row').filter({ has: p.getByRole('cell', { name: 'default', exact: true }) })
    await row.getByText(`${E.quota.limits.agents} ${signedIn} / ∞`).waitFor()
    await row.getByRole('button', { name: E.quota.edit }).click()
    const dlg = p.getByRole('dialog')
    await formItem(dlg, E.quota.limits.agents).locator('input').fill(String(signedIn))
    await dlg.getByRole('button', { name: E.quota.save }).click()
    await p.getByText(E.quota.saved).waitFor()
    const tag = row.getByText(`${E.quota.limits.agents} ${signedIn} / ${signedIn}`)
    await tag.waitFor()
    assert((await tag.getAttribute('class')).includes('red'), 'the reached limit is not red')
    const q = await api(base, 'GET', '/api/v1/tenants/default/usage', sa)
    assert(q.body.quota.max_agents === signedIn && q.body.quota.max_calls === 0, `stored quota ${JSON.stringify(q.body.quota)}`)
    await shot(p, 'admin-tenant-quota.en')
    await ctx.close()
    // The same page in Chinese.
    const zh = await superadminPage(browser, base, adminPassword, { width: 1600, lang: 'zh-CN' })
    debugPages.push(zh.page)
    await zh.page.getByRole('region', { name: Z.admin.tenants.title }).getByText(`${Z.quota.limits.agents} ${signedIn} / ${signedIn}`).waitFor()
    await shot(zh.page, 'admin-tenant-quota.zh-CN')
    await zh.ctx.close()
  })

  for (const [lang, T] of [['en', E], ['zh-CN', Z]]) {
    await step(`tenants: an agent over the quota is refused at sign-in with a plain message (${lang})`, async () => {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } })
      const p = await ctx.newPage()
      debugPages.push(p)
      await p.goto(`${base}/login?lang=${lang}`)
      await p.getByLabel(T.login.tenant).fill('default')
      await p.getByLabel(T.login.username).fill('1005')
      await p.getByLabel(T.login.password).fill('ipcc-demo')
      await p.getByRole('button', { name: T.login.submit }).click()
      await p.waitForURL((x) => x.pathname === '/agent')
      await p.getByRole('button', { name: `${T.agent.signIn} · ${T.agent.signInAll}` }).click()
      const plain = T.quota.refused.agents.split(/[(（]/)[0].trim()
      await p.getByText(plain, { exact: false }).first().waitFor()
      const st = await api(base, 'GET', '/api/v1/agent/state', await token(base, '1005'))
      assert(st.body.state === 'logged-out', `agent state ${st.body.state}`)
      await shot(p, `agent-quota-refused.${lang}`)
      await ctx.close()
    })
  }

  await step('tenants: clearing the quota lets the agent sign in', async () => {
    const r = await api(base, 'PUT', '/api/v1/tenants/default/quota', sa, {})
    assert(r.status === 200, `clear quota ${r.status}`)
    const t = await token(base, '1005')
    const li = await api(base, 'POST', '/api/v1/agent/login', t, {})
    assert(li.status === 200, `sign-in after clearing ${li.status} ${JSON.stringify(li.body)}`)
    await api(base, 'POST', '/api/v1/agent/logout', t)
  })
}

// Standalone: start the demo, run the journey, stop it.
if (process.argv[1] && process.argv[1].endsWith('tenants.mjs')) await runStandalone('tenants', tenantsJourney)
