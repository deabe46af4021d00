// Browser journey of quality inspection (质检), the "Done when"
// story as a new user would try it: a QA lead builds a template in the
// template builder, creates a task sampling 10 % of the window's calls of a
// queue plus every call with satisfaction ≤ 2, a QA user scores two calls on
// their recordings (waveform, speed, pinned comment, draft, submit), an
// agent appeals an item, the lead rules on it, and the QA report shows it.
// Screenshots in both languages go to e2e/screenshots/qa-*.png.
//
// It starts `ipcc serve --demo` WITH its trickle of simulated callers (the
// demo's staff answer, record and get rated), waits until answered calls
// with recordings exist, and samples today's calls (the demo has no
// yesterday):
//   IPCC_BIN=../bin/ipcc node e2e/qa.mjs
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const here = new URL('.', import.meta.url).pathname
const L = {
  en: JSON.parse(readFileSync(join(here, '../src/locales/en.json'), 'utf8')),
  'zh-CN': JSON.parse(readFileSync(join(here, '../src/locales/zh-CN.json'), 'utf8')),
}
const pw = 'e2e-password-123'
const H = { 'X-IPCC-Tenant': 'default' }

const freePort = () => new Promise((res, rej) => {
  const s = createServer()
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)) })
  s.on('error', rej)
})
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
function assert(c, m) { if (!c) throw new Error(m) }

async function main() {
  const { chromium } = await import('playwright-core')
  const bin = resolve(process.env.IPCC_BIN ?? join(here, '../../bin/ipcc'))
  const browserPath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
  const shots = join(here, 'screenshots')
  mkdirSync(shots, { recursive: true })
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'ipcc-e2e-qa-'))
  const adminPassword = 'e2e-admin-password'
  const server = spawn(bin, ['serve', '--demo', '--log-format', 'text', '--log-level', 'warn'], {
    cwd: dir, env: { ...process.env, IPCC_HTTP_ADDR: `127.0.0.1:${port}`, IPCC_ADMIN_PASSWORD: adminPassword }, stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  server.stderr.on('data', (d) => (log += d))
  const api = async (method, path, tok, body, headers = {}) => {
    const res = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json', ...(tok ? { Authorization: `Bearer ${tok}` } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined })
    const text = await res.text()
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
  }
  const login = async (tenant, username, password) => {
    const r = await api('POST', '/api/v1/auth/login', null, tenant ? { tenant, username, password } : { username, password })
    assert(r.status === 200, `login ${username}: ${r.status}`)
    return r.body.token
  }
  let failed = 0
  let browser
  let current // the page of the running step, photographed when it fails
  const step = async (name, fn) => {
    const t0 = Date.now()
    try {
      await fn()
      console.log(`  ok   ${name} (${Date.now() - t0} ms)`)
    } catch (e) {
      failed++
      mkdirSync(join(here, 'out'), { recursive: true })
      await current?.screenshot({ path: join(here, 'out', `failure-qa.png`), fullPage: true }).catch(() => undefined)
      console.log(`  FAIL ${name}: ${e?.stack ?? e}`)
      throw e
    }
  }
  const shot = async (p, name) => { await p.waitForTimeout(400); await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true }) }
  try {
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) break
      assert(i < 200, 'ipcc did not start')
      await sleep(250)
    }
    const su = await login('', 'admin', adminPassword)
    const mk = async (username, role) => {
      const r = await api('POST', '/api/v1/users', su, { username, role, password: pw, display_name: username }, H)
      assert(r.status === 201, `create ${username}: ${r.status} ${JSON.stringify(r.body)}`)
      return r.body.id
    }
    const ids = { lead: await mk('qa-lead', 'qa'), qa1: await mk('qa-one', 'qa'), sup: await mk('qa-sup', 'supervisor') }
    assert((await api('PUT', `/api/v1/qa/leads/${ids.lead}`, su, { lead: true }, H)).status === 204, 'grant lead')

    // Record every call (the default policy is on demand), then wait for
    // answered, recorded calls with an agent.
    const pol = await api('POST', '/api/v1/recording-policies', su, { scope: 'tenant', target: '', inbound: 'always', outbound: 'always', note: 'QA journey' }, H)
    assert(pol.status === 201, `recording policy: ${pol.status} ${JSON.stringify(pol.body)}`)
    const leadTok = await login('default', 'qa-lead', pw)
    let recs = []
    await step('the demo produces answered calls with recordings', async () => {
      for (let i = 0; i < 150; i++) {
        const r = await api('GET', '/api/v1/recordings?status=done&limit=200', su, null, H)
        recs = (r.body ?? []).filter((x) => x.agent_id && x.queue_id)
        if (recs.length >= 3) break
        await sleep(2000)
      }
      assert(recs.length >= 3, `only ${recs.length} recordings after 5 minutes`)
    })
    const queue = recs[0].queue_id

    browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] })
    // The user's saved language wins over the sign-in page's: pick it in the header.
    // The saved language is applied once the user's profile has loaded,
    // which on a busy machine can come after the page shows: the header
    // must show `lang` three checks in a row (1.2 s), switching it back
    // whenever the other language shows.
    const ensureLang = async (page, lang) => {
      const other = lang === 'en' ? 'zh-CN' : 'en'
      const mine = page.getByRole('combobox', { name: L[lang].app.language, exact: true })
      const theirs = page.getByRole('combobox', { name: L[other].app.language, exact: true })
      const option = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: lang === 'en' ? 'English' : '简体中文' })
      let steady = 0
      for (let i = 0; i < 50 && steady < 3; i++) {
        if (await theirs.count()) {
          steady = 0
          for (let j = 0; j < 5 && !(await option.count()); j++) {
            await theirs.click({ force: true, timeout: 3_000 }).catch(() => undefined)
            await page.waitForTimeout(400)
          }
          await option.first().click({ timeout: 3_000 }).catch(() => undefined)
          await mine.waitFor({ timeout: 3_000 }).catch(() => undefined)
          // Its dropdown must be gone before the page's own selects are used.
          await page.locator('.ant-select-dropdown:visible').first().waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined)
        } else if (await mine.count()) {
          steady++
        }
        await page.waitForTimeout(400)
      }
      if (steady < 3) throw new Error(`the header does not stay in ${lang}`)
    }
    const signIn = async (page, lang, username, password = pw) => {
      const t = L[lang]
      await page.goto(`${base}/login?lang=${lang}`)
      await page.getByLabel(t.login.tenant).fill('default')
      await page.getByLabel(t.login.username).fill(username)
      await page.getByLabel(t.login.password).fill(password)
      await page.getByRole('button', { name: t.login.submit }).click()
      await page.waitForURL((u) => !u.pathname.startsWith('/login'))
      await ensureLang(page, lang)
    }

    for (const lang of ['zh-CN', 'en']) {
      const t = L[lang].qa
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } })
      const page = await ctx.newPage()
      current = page
      await step(`${lang}: the lead builds a template in the builder`, async () => {
        await signIn(page, lang, 'qa-lead')
        await page.getByRole('link', { name: L[lang].qa.nav }).first().click()
        await page.getByRole('link', { name: t.menu.templates }).click()
        await page.getByRole('button', { name: t.tpl.new }).click()
        await page.getByLabel(t.tpl.name, { exact: true }).fill(lang === 'en' ? 'Service call' : '客服通话质检')
        await page.getByLabel(t.tpl.sectionTitle.replace('{{n}}', '1')).fill(lang === 'en' ? 'Opening' : '开场')
        await page.getByLabel(t.tpl.itemTitle.replace('{{n}}', '1.1')).fill(lang === 'en' ? 'Greeting with work number' : '报工号问候')
        await page.getByRole('button', { name: t.tpl.addItem }).click()
        await page.getByLabel(t.tpl.itemTitle.replace('{{n}}', '1.2')).fill(lang === 'en' ? 'No silence over 30 s' : '无超过 30 秒静音')
        await page.getByText(t.tpl.auto).nth(1).click()
        await page.getByRole('button', { name: t.tpl.addItem }).click()
        await page.getByLabel(t.tpl.itemTitle.replace('{{n}}', '1.3')).fill(lang === 'en' ? 'Politeness' : '礼貌用语')
        await shot(page, `qa-template-${lang}`)
        await page.getByRole('button', { name: t.tpl.save }).click()
        await page.getByRole('cell', { name: lang === 'en' ? 'Service call' : '客服通话质检' }).waitFor()
      })
      if (lang === 'zh-CN') {
        await step(`${lang}: the lead gives qa-one the queue as a skill`, async () => {
          await page.getByRole('link', { name: t.menu.tasks }).click()
          await pick(page, page.getByRole('combobox', { name: t.skills.of.replace('{{name}}', 'qa-one') }), queue)
          await page.keyboard.press('Escape')
          await page.getByRole('row', { name: /qa-one/ }).getByRole('button', { name: t.skills.save }).click()
          await page.getByText(t.skills.saved.replace('{{name}}', 'qa-one')).waitFor()
          await shot(page, `qa-skills-${lang}`)
          const sk = (await api('GET', '/api/v1/qa/skills', leadTok)).body
          assert(sk[ids.qa1]?.includes(queue), `qa-one skills ${JSON.stringify(sk)}`)
        })
      }
      await step(`${lang}: the lead creates a task: 10 % of the queue's calls plus satisfaction ≤ 2${lang === 'zh-CN' ? ', assigned by skill' : ''}`, async () => {
        await page.getByRole('link', { name: t.menu.tasks }).click()
        await page.getByRole('button', { name: t.tasks.new }).click()
        const dlg = page.getByRole('dialog')
        await dlg.getByLabel(t.tasks.name).fill(lang === 'en' ? 'Daily sample' : '每日抽检')
        await pick(page, dlg.getByLabel(t.tasks.template))
        // Today: the demo has no yesterday.
        const today = new Date().toISOString().slice(0, 10)
        const inputs = dlg.locator('.ant-picker-range input')
        await inputs.nth(0).click()
        await inputs.nth(0).fill(today)
        await inputs.nth(1).fill(today)
        await inputs.nth(1).press('Enter')
        await pick(page, dlg.getByLabel(t.tasks.queues), queue)
        await pick(page, dlg.getByLabel(t.tasks.assignees), 'qa-one')
        if (lang === 'zh-CN') await dlg.getByRole('radio', { name: t.tasks.assignSkill }).check()
        await dlg.getByLabel(t.tasks.name).click()
        await shot(page, `qa-task-new-${lang}`)
        await page.getByRole('button', { name: t.tasks.create }).click()
        await dlg.waitFor({ state: 'hidden' })
        if (lang === 'zh-CN') {
          const tasks = (await api('GET', '/api/v1/qa/tasks', leadTok)).body
          const mine = tasks.find((x) => x.spec.assign === 'skill')
          assert(mine && mine.unassigned === 0 && mine.per_assignee[ids.qa1]?.[0] === mine.picked, `task by skill: ${JSON.stringify(mine)}`)
        }
        await shot(page, `qa-tasks-${lang}`)
      })
      await step(`${lang}: the lead sets the appeal window and adds a phrase rule`, async () => {
        await page.getByRole('link', { name: t.menu.settings }).click()
        const days = lang === 'en' ? 14 : 10
        await page.getByLabel(t.settings.appealDays).fill(String(days))
        await page.getByRole('button', { name: t.settings.save }).click()
        await page.getByText(t.settings.saved).waitFor()
        const st = (await api('GET', '/api/v1/qa/settings', leadTok)).body
        assert(st.appeal_days === days, `appeal days ${JSON.stringify(st)}`)
        const name = lang === 'en' ? 'Rude words' : '客户投诉'
        await page.getByLabel(t.phrases.name, { exact: true }).fill(name)
        if (lang === 'en') {
          await page.getByLabel(t.phrases.kind, { exact: true }).click({ force: true })
          await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: t.phrases.forbidden }).click()
        }
        await page.getByLabel(t.phrases.phrases, { exact: true }).fill(lang === 'en' ? 'shut up\nwhatever' : '我要投诉\n找你们领导')
        await page.getByRole('button', { name: t.phrases.add }).click()
        await page.getByRole('cell', { name, exact: true }).waitFor()
        const rules = (await api('GET', '/api/v1/qa/phrase-rules', leadTok)).body
        const r = rules.find((x) => x.name === name)
        assert(r && r.kind === (lang === 'en' ? 'forbidden' : 'keyword') && r.phrases.length === 2, `phrase rule ${JSON.stringify(rules)}`)
        await shot(page, `qa-settings-${lang}`)
      })
      await ctx.close()
    }

    // A supervisor sends calls to QA by hand: from a call's detail page
    // (zh-CN) and from the tasks page with the call id (en). They go to the
    // lead so qa-one's work stays the task's calls.
    for (const [i, lang] of ['zh-CN', 'en'].entries()) {
      const t = L[lang].qa
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
      const page = await ctx.newPage()
      current = page
      const callId = recs[1 + i].call_id
      await step(`${lang}: a supervisor sends a call to QA with a reason (${i === 0 ? 'call detail page' : 'tasks page'})`, async () => {
        await signIn(page, lang, 'qa-sup')
        if (i === 0) {
          await page.goto(`${base}/reports/call/${callId}`)
          await ensureLang(page, lang)
        } else {
          await page.getByRole('link', { name: L[lang].qa.nav }).first().click()
        }
        await page.getByRole('button', { name: t.pick.button }).click()
        const dlg = page.getByRole('dialog')
        if (i === 1) await dlg.getByLabel(t.pick.call).fill(callId)
        await dlg.getByLabel(t.pick.reason).fill(lang === 'en' ? 'Customer complained about this call' : '客户投诉了这通电话')
        await pick(page, dlg.getByLabel(t.pick.assignee), 'qa-lead')
        await shot(page, `qa-pick-${lang}`)
        await dlg.getByRole('button', { name: t.pick.send }).click()
        await page.getByText(t.pick.sent).waitFor()
        const w = (await api('GET', '/api/v1/qa/work?task=manual', leadTok)).body
        assert(w.some((c) => c.call_id === callId && c.task_id === 'manual' && c.assignee === ids.lead && c.reasons.some((r) => r.includes(lang === 'en' ? 'complained' : '投诉'))), `manual pick: ${JSON.stringify(w)}`)
      })
      await ctx.close()
    }

    // The QA user scores two calls of the first task.
    const qaTok = await login('default', 'qa-one', pw)
    const work = (await api('GET', '/api/v1/qa/work', qaTok)).body
    assert(Array.isArray(work) && work.length >= 1, `qa-one has ${work?.length} calls`)
    let scored = []
    for (const [i, lang] of ['zh-CN', 'en'].entries()) {
      const t = L[lang].qa
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
      const page = await ctx.newPage()
      current = page
      const call = work.filter((c) => c.recording_id)[i] ?? work[i] ?? work[0]
      await step(`${lang}: the QA user scores a call on its recording`, async () => {
        await signIn(page, lang, 'qa-one')
        await page.goto(`${base}/qa/score/${call.task_id}/${call.call_id}`)
        await ensureLang(page, lang)
        if (call.recording_id) await page.getByTestId('qa-waveform').waitFor()
        await page.getByLabel(t.score.speed).first().click()
        await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '1.5×' }).click()
        await page.getByLabel(t.score.pinText).fill(lang === 'en' ? 'Long pause before the answer' : '回答前停顿较长')
        await page.getByRole('button', { name: t.score.pinAdd }).click()
        const answer = (text) => page.locator('label.ant-radio-wrapper').filter({ hasText: new RegExp(`^${text}$`) })
        await answer(t.yes).nth(0).click()
        await page.getByRole('button', { name: t.score.saveDraft }).click()
        await page.getByText(t.status.draft).first().waitFor()
        await answer(t.no).nth(1).click()
        await page.getByLabel(t.score.comment).fill(lang === 'en' ? 'Polite, but slow to answer.' : '态度礼貌,但应答偏慢。')
        await shot(page, `qa-score-${lang}`)
        await page.getByRole('button', { name: t.score.submit }).click()
        await page.getByText(t.status.submitted).first().waitFor()
        await shot(page, `qa-score-submitted-${lang}`)
        scored.push(page.url().split('/').pop())
      })
      await ctx.close()
    }

    // Calibration: the lead starts a session on a call for qa-lead and
    // qa-one (zh-CN) and scores it; qa-one scores it too (en) and sees the spread.
    const calName = '校准:问候与礼貌'
    for (const [i, lang] of ['zh-CN', 'en'].entries()) {
      const t = L[lang].qa
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
      const page = await ctx.newPage()
      current = page
      await step(`${lang}: ${i === 0 ? 'the lead starts a calibration session and scores the call' : 'qa-one scores the calibration call and sees the spread'}`, async () => {
        await signIn(page, lang, i === 0 ? 'qa-lead' : 'qa-one')
        await page.getByRole('link', { name: L[lang].qa.nav }).first().click()
        await page.getByRole('link', { name: t.menu.calibrations }).click()
        if (i === 0) {
          await page.getByRole('button', { name: t.cal.new }).click()
          const dlg = page.getByRole('dialog')
          await dlg.getByLabel(t.cal.name).fill(calName)
          await dlg.getByLabel(t.cal.call).fill(recs[0].call_id)
          await dlg.getByLabel(t.tasks.template).click()
          await page.locator('.ant-select-dropdown:visible .ant-select-item-option').first().click()
          await dlg.getByLabel(t.cal.participants).click()
          for (const u of ['qa-lead', 'qa-one']) await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: u }).first().click()
          await page.keyboard.press('Escape')
          await shot(page, `qa-calibration-new-${lang}`)
          await dlg.getByRole('button', { name: t.cal.create }).click()
          await dlg.waitFor({ state: 'hidden' })
        }
        await page.getByRole('link', { name: calName }).click()
        await page.getByRole('button', { name: t.cal.score }).click()
        const answer = (text) => page.locator('label.ant-radio-wrapper').filter({ hasText: new RegExp(`^${text}$`) })
        await answer(t.yes).nth(0).click()
        await answer(i === 0 ? t.yes : t.no).nth(1).click()
        await page.getByLabel(t.score.comment).fill(lang === 'en' ? 'Calibration score' : '校准评分')
        await page.getByRole('button', { name: t.score.submit }).click()
        await page.getByText(t.status.submitted).first().waitFor()
        await page.getByRole('link', { name: t.menu.calibrations }).click()
        await page.getByRole('link', { name: calName }).click()
        await page.getByText(t.cal.spread).first().waitFor()
        if (i === 1) await page.getByText(t.cal.allScored).waitFor()
        await shot(page, `qa-calibration-${lang}`)
        const cals = (await api('GET', '/api/v1/qa/calibrations', leadTok)).body
        const cal = (await api('GET', `/api/v1/qa/calibrations/${cals.find((c) => c.name === calName).id}`, leadTok)).body
        assert(Object.keys(cal.totals).length === i + 1 && cal.recording_id, `calibration ${JSON.stringify(cal)}`)
      })
      await ctx.close()
    }

    // The agent of the first scored call appeals; the lead rules.
    const first = (await api('GET', `/api/v1/qa/scores/${scored[0]}`, leadTok)).body
    const agentUser = (await api('GET', '/api/v1/users', su, null, H)).body.find((u) => u.id === first.agent_id)
    assert(agentUser, `agent ${first.agent_id} not found`)
    for (const lang of ['zh-CN', 'en']) {
      const t = L[lang].qa
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } })
      const page = await ctx.newPage()
      current = page
      await step(`${lang}: the agent sees the score${lang === 'zh-CN' ? ' and appeals an item' : ''}`, async () => {
        await signIn(page, lang, agentUser.username, 'ipcc-demo') // the demo staff's password
        await page.goto(`${base}/qa/my`)
        await ensureLang(page, lang)
        await page.getByRole('cell', { name: first.template_name }).first().waitFor()
        if (lang === 'zh-CN') {
          await page.getByRole('button', { name: t.my.appeal }).first().click()
          // The item picker's last option (not a closing language dropdown's).
          const item = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasNotText: /^(English|简体中文)$/ }).last()
          const picker = page.getByRole('combobox', { name: t.my.appealItem })
          const picked = page.locator('.ant-select').filter({ has: picker }).first().locator('.ant-select-selection-item')
          // On a busy machine the dropdown can close under the click (its
          // opening animation): open, click, check the select shows the
          // choice, and try again (as web/e2e/antd.mjs does for selects
          // picked by text).
          for (let i = 0; ; i++) {
            if (!(await item.isVisible())) await picker.click({ timeout: 5_000 }).catch(() => undefined)
            await item.waitFor({ timeout: 3_000 }).catch(() => undefined)
            const clicked = await item.click({ timeout: 5_000 }).then(() => true).catch(() => false)
            if (clicked && await picked.first().waitFor({ timeout: 3_000 }).then(() => true).catch(() => false)) break
            if (i >= 3) throw new Error('the appeal item picker does not take a choice')
          }
          await page.getByLabel(t.my.appealReason).fill('客户在查资料,我已提示稍等')
          await shot(page, `qa-appeal-${lang}`)
          await page.getByRole('button', { name: t.my.appealSend }).click()
          await page.getByText(t.appeal.open).first().waitFor()
        }
        await shot(page, `qa-my-scores-${lang}`)
      })
      await ctx.close()
    }
    for (const lang of ['en', 'zh-CN']) {
      const t = L[lang].qa
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } })
      const page = await ctx.newPage()
      current = page
      await step(`${lang}: the lead ${lang === 'en' ? 'rules on the appeal' : 'sees the ruling'} and the report shows it all`, async () => {
        await signIn(page, lang, 'qa-lead')
        await page.goto(`${base}/qa/appeals`)
        await ensureLang(page, lang)
        if (lang === 'en') {
          await page.getByRole('button', { name: t.appeal.decide }).first().click()
          await page.getByRole('dialog').getByText(t.appeal.upheld, { exact: true }).click()
          await page.getByLabel(t.appeal.note).fill('The silence is in the recording; the rule stands.')
          await shot(page, `qa-decide-${lang}`)
          await page.getByRole('dialog').getByRole('button', { name: t.appeal.decide }).click()
          await page.getByRole('dialog').waitFor({ state: 'hidden' })
        }
        await page.goto(`${base}/qa/reports`)
        await ensureLang(page, lang)
        await page.getByTestId('report-chart').first().waitFor()
        await page.getByText(t.reports.appealsLegend).waitFor()
        await shot(page, `qa-report-${lang}`)
      })
      await ctx.close()
    }
    const rep = (await api('GET', '/api/v1/qa/reports', leadTok)).body
    assert(rep.overall.count >= 2 && rep.appeals.total >= 1, `report ${JSON.stringify(rep.overall)} appeals ${JSON.stringify(rep.appeals)}`)
    console.log(`  ok   report: ${rep.overall.count} scores, mean ${rep.overall.mean}, appeals ${JSON.stringify(rep.appeals)}`)
  } catch (e) {
    failed++
    console.log(String(e?.stack ?? e))
  } finally {
    await browser?.close()
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    if (failed) console.log(`--- ipcc log (last 3000 chars) ---\n${log.slice(-3000)}`)
    rmSync(dir, { recursive: true, force: true })
  }
  process.exit(failed ? 1 : 0)
}

main()

// pick chooses the option with text (the first option when text is
// undefined) in the Ant Design select whose input is `input`, and waits
// until the select shows it. On a busy machine a dropdown can close under
// the click (its opening animation): it is opened, clicked and checked
// again, at most four times. A multiple select that shows the choice
// already is not clicked again (that would take it back out).
async function pick(page, input, text) {
  // The select around the input (a `has` filter would look for the
  // input's own root, e.g. the dialog, inside the select).
  const select = input.locator('xpath=ancestor::div[contains(concat(" ", normalize-space(@class), " "), " ant-select ")][1]')
  const options = page.locator('.ant-select-dropdown:visible .ant-select-item-option')
  const option = text === undefined ? options.first() : options.filter({ hasText: text }).first()
  const chosen = select.locator('.ant-select-selection-item').filter(text === undefined ? {} : { hasText: text }).first()
  for (let i = 0; ; i++) {
    if (i > 0 && (await chosen.count())) return
    if (!(await option.isVisible())) await input.click({ timeout: 5_000 }).catch(() => undefined)
    await option.waitFor({ timeout: 3_000 }).catch(() => undefined)
    const clicked = await option.click({ timeout: 5_000 }).then(() => true).catch(() => false)
    if (clicked && await chosen.waitFor({ timeout: 3_000 }).then(() => true).catch(() => false)) return
    if (i >= 3) throw new Error(`the select does not take ${text ?? 'its first option'}`)
  }
}
