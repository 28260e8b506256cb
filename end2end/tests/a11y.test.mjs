// Accessibility and language, checked by a third party's rules: axe-core (WCAG 2.1 A/AA and its
// best practices, with `label-content-name-mismatch` on) finds no violation on the residents'
// pages, each step of the declaration and its error state, and the staff pages a caseworker walks;
// and an English page shows no Chinese outside what people typed and the names of places.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BASE, validId, hydrated, newPhone, newTablet, fillMember, register, chooseGanzhouVillage, signIn, toStep, openDemoHousehold } from './helpers.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// The violations axe finds on what the page shows now (hidden steps are not shown).
async function violations(page) {
  // Evaluated through the DevTools protocol: the page's own CSP does not apply to it.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    rules: { 'label-content-name-mismatch': { enabled: true } },
  }));
  return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// Controls smaller than 44 px high, the size a finger hits (a checkbox counts with its row).
async function smallTargets(page) {
  return page.evaluate(() => [...document.querySelectorAll('button, select, input, textarea, summary, a.button')]
    .filter((el) => el.checkVisibility() && el.type !== 'hidden')
    .map((el) => [el, ['checkbox', 'radio'].includes(el.type) ? el.closest('.check') ?? el : el])
    .filter(([, box]) => box.getBoundingClientRect().height < 44)
    .map(([el]) => el.id || el.outerHTML.slice(0, 80)));
}

async function noViolations(page, what) {
  await page.waitForLoadState('networkidle');
  const found = await violations(page);
  assert.deepEqual(found, [], `${what} (${page.url()})`);
}

// Opens a page's parts loaded on demand (the household file's forms, the application's
// verification form) and waits for each form; how many there were.
async function openForms(page) {
  const parts = await page.locator('details.on-demand').all();
  for (const part of parts) {
    await part.locator('summary').click();
    await part.locator('form').waitFor();
  }
  return parts.length;
}

// Text in Han characters on a page shown in English, outside elements marked as Chinese
// (`lang="zh…"`: names of places, documents' titles, the switch to 中文) and the `allowed` strings
// (what the person typed). Reads visible text, the title, and accessible names.
async function strayHan(page, allowed) {
  const found = await page.evaluate(() => {
    // Han characters, and the full-width punctuation that goes with them (，。：（）、 …).
    const han = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;
    const out = [];
    const zh = (el) => el.closest('[lang]')?.getAttribute('lang')?.startsWith('zh');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!han.test(n.textContent) || zh(el) || el.closest('script, style, template')) continue;
      if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
      out.push(n.textContent.trim());
    }
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
      for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
        const v = el.getAttribute(a);
        if (v && han.test(v) && !zh(el)) out.push(`${a}=${v}`);
      }
    }
    if (han.test(document.title)) out.push(`title=${document.title}`);
    return out;
  });
  return found
    .map((t) => allowed.reduce((s, a) => s.split(a).join(''), t))
    .filter((t) => /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u.test(t));
}

// The public pages (issue 22), each with a county chosen (its standards, figures, notices).
const PUBLIC_PAGES = ['/policy?region=620702000000', '/open?region=620702000000', `/notice?region=620702000000&text=${encodeURIComponent('迎恩')}`,
  '/complaints?region=620702000000', '/complaints/track'];

test('no accessibility violations on the residents pages, in Chinese and English, and no stray Chinese in English', async () => {
  const phone = `133${String(Date.now()).slice(-8)}`;
  const { ctx, page } = await newPhone();
  for (const path of ['/', '/register', '/login', ...PUBLIC_PAGES]) {
    await page.goto(`${BASE}${path}`);
    await hydrated(page);
    await noViolations(page, path);
    assert.deepEqual(await smallTargets(page), [], `tap targets on ${path}`);
    assert.notEqual(await page.title(), '', `${path} has a title`);
  }
  // The checks themselves catch what they look for: an unlabelled input, a tiny button, and
  // Chinese in English text (the page is loaded again after).
  await page.evaluate(() => {
    document.querySelector('main, body').insertAdjacentHTML('beforeend',
      '<input id="probe-input"><button id="probe-button" style="height:20px;min-height:0;padding:0">x</button><p id="probe-text" lang="en">未翻译</p>');
  });
  assert.ok((await violations(page)).some((v) => v.startsWith('label:')), 'axe finds an unlabelled input');
  assert.ok((await smallTargets(page)).includes('probe-button'), 'a small button is found');
  assert.deepEqual(await strayHan(page, []).then((t) => t.filter((x) => x.includes('未翻译'))), ['未翻译']);
  // Every page has its own title.
  const titles = new Set();
  for (const path of ['/', '/register', '/login']) {
    await page.goto(`${BASE}${path}`);
    titles.add(await page.title());
  }
  assert.equal(titles.size, 3, `one title per page: ${[...titles]}`);

  await register(ctx, page, phone, 'Axe-check-2026');
  await noViolations(page, 'declaration: household');
  assert.deepEqual(await smallTargets(page), [], 'tap targets on the declaration');
  await page.click('#step-next');
  await page.locator('#error-summary').waitFor();
  await noViolations(page, 'declaration: household with errors');
  await chooseGanzhouVillage(page);
  await page.fill('#address', '二组5号');
  await page.selectOption('#residence', 'rural');
  await page.fill('#contact-phone', phone);
  await page.fill('#description', '老人独居，行动不便。');
  await toStep(page, 'members');
  await fillMember(page, 0, { name: '周玉兰', id: validId(`62070219500303${String(Date.now() % 1000).padStart(3, '0')}`) });
  await noViolations(page, 'declaration: members');
  await toStep(page, 'money');
  await page.fill('#income-transfers', '300');
  await page.click('#estimate summary');
  await page.locator('#estimate .entitlements').waitFor();
  await noViolations(page, 'declaration: money with the estimate open');
  await toStep(page, 'needs');
  await page.check('#help-basic_living');
  await page.check('#help-education');
  await page.check('#consent-verification');
  await page.check('#consent-charity');
  await noViolations(page, 'declaration: needs');
  assert.deepEqual(await smallTargets(page), [], 'tap targets on the needs step');
  await toStep(page, 'review');
  await noViolations(page, 'declaration: review');

  // The same declaration in English: nothing in Chinese but what was typed and place names.
  const typed = ['二组5号', '周玉兰', '老人独居，行动不便。'];
  await ctx.addCookies([{ name: 'i18n_pref_locale', value: 'en', url: BASE }]);
  await page.goto(`${BASE}/declare`);
  await hydrated(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  for (const step of ['household', 'members', 'money', 'needs', 'review']) {
    await toStep(page, step);
    if (step === 'money') {
      await page.click('#estimate summary');
      await page.locator('#estimate .entitlements').waitFor();
      await page.click('#estimate details.explanation summary').catch(() => {});
    }
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await strayHan(page, typed), [], `English declaration, step ${step}`);
    await noViolations(page, `English declaration, step ${step}`);
  }
  await page.click('#submit-declaration');
  const number = (await page.locator('#application-number').textContent()).trim();
  assert.deepEqual(await strayHan(page, typed), [], 'English: submitted');
  for (const path of ['/', '/register', '/login', '/applications', `/applications/${number}`, ...PUBLIC_PAGES]) {
    await page.goto(`${BASE}${path}`);
    await hydrated(page);
    assert.deepEqual(await strayHan(page, typed), [], `English ${path}`);
    await noViolations(page, `English ${path}`);
  }
  await ctx.addCookies([{ name: 'i18n_pref_locale', value: 'zh-CN', url: BASE }]);
  for (const path of ['/applications', `/applications/${number}`]) {
    await page.goto(`${BASE}${path}`);
    await hydrated(page);
    await noViolations(page, path);
  }
  await ctx.close();

  // The staff pages a caseworker walks on a tablet.
  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  await hydrated(c);
  await noViolations(c, 'workbench');
  // The matching page last: what follows works on it.
  for (const path of ['/staff/queue', '/staff/leads', '/staff/intake', '/staff/dashboard', `/applications/${number}`, `/staff/visit/${number}`, '/staff/matching']) {
    await c.goto(`${BASE}${path}`);
    await hydrated(c);
    // With its parts loaded on demand opened (the application's verification form).
    await openForms(c);
    await noViolations(c, path);
    if (path.startsWith('/applications/')) {
      // 受理: the household's file is opened.
      await c.click('#case-accept');
      await c.locator('#status-badge', { hasText: '已受理' }).waitFor();
      await noViolations(c, `${path} accepted`);
    }
  }
  // What the household asked for with charity consent is proposed on the matching page; the
  // caseworker confirms one with an amount and it becomes a need.
  const proposal = c.locator(`#proposed-needs li[data-proposed="education"]`, { has: c.locator(`a[href="/applications/${number}"]`) });
  await proposal.waitFor();
  await proposal.locator('input').fill('800');
  await proposal.locator('button[type=submit]').click();
  await c.locator('#matching-needs tr[data-need]', { hasText: '800.00' }).waitFor();
  assert.equal(await proposal.count(), 0, 'no longer proposed once recorded');
  await openDemoHousehold(c);
  // With its forms opened (each loaded when opened).
  await openForms(c);
  await noViolations(c, 'household file');
  const file = c.url();

  // The same pages in English: nothing in Chinese but names, places and what was declared, each
  // marked as Chinese (the demo household's name and village also make the file's title).
  await staff.ctx.addCookies([{ name: 'i18n_pref_locale', value: 'en', url: BASE }]);
  const written = [...typed, '张演示', '迎恩村村民委员会'];
  // Each page with its parts loaded on demand opened: built when opened, they speak the page's
  // language too.
  let fileForms = 0;
  for (const path of ['/staff', '/staff/queue', '/staff/leads', '/staff/intake', `/applications/${number}`, `/staff/visit/${number}`, '/staff/matching', '/staff/dashboard', file]) {
    await c.goto(path.startsWith('http') ? path : `${BASE}${path}`);
    await hydrated(c);
    const opened = await openForms(c);
    if (path === file) fileForms = opened;
    await c.waitForLoadState('networkidle');
    assert.deepEqual(await strayHan(c, written), [], `English ${path}`);
  }
  assert.ok(fileForms >= 3, 'the household file\'s forms were opened');
  await staff.ctx.close();

  // The care-service provider's page on a tablet.
  const provider = await newTablet();
  await signIn(provider.page, 'demo_provider', 'Demo2026pass');
  await provider.page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await provider.page.goto(`${BASE}/provider`);
  await hydrated(provider.page);
  await provider.page.locator('#price-table').waitFor();
  await noViolations(provider.page, '/provider');
  await provider.ctx.close();

  // A grid worker's report page on a phone, in Chinese and in English.
  const grid = await newPhone();
  await signIn(grid.page, 'demo_grid', 'Demo2026pass');
  await grid.page.waitForURL(/\/staff/);
  await grid.page.goto(`${BASE}/staff/reports`);
  await hydrated(grid.page);
  await noViolations(grid.page, '/staff/reports');
  await grid.ctx.addCookies([{ name: 'i18n_pref_locale', value: 'en', url: BASE }]);
  await grid.page.goto(`${BASE}/staff/reports`);
  await hydrated(grid.page);
  await grid.page.waitForLoadState('networkidle');
  assert.deepEqual(await strayHan(grid.page, ['迎恩村']), [], 'English /staff/reports');
  await grid.ctx.close();

  // An administrator's pages in English: accounts, parameters (the shipped examples' sources
  // in English), rules and charities.
  const admin = await newTablet();
  await admin.ctx.addCookies([{ name: 'i18n_pref_locale', value: 'en', url: BASE }]);
  await signIn(admin.page, 'demo_admin', 'Demo2026pass');
  await admin.page.waitForURL(/\/staff/);
  for (const path of ['/staff', '/staff/policy', '/staff/rules', '/staff/charities', '/staff/systems']) {
    await admin.page.goto(`${BASE}${path}`);
    await hydrated(admin.page);
    await admin.page.waitForLoadState('networkidle');
    assert.deepEqual(await strayHan(admin.page, []), [], `English ${path} (administrator)`);
    if (path === '/staff/systems') await noViolations(admin.page, path);
  }
  await admin.ctx.close();
});
