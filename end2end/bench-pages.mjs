// make bench (scripts/bench.sh runs it against the release server through scripts/e2e.sh):
// what a phone receives for each resident page on a first visit (bytes on the wire, as the
// browser counts them), and Lighthouse 12's mobile scores (its default throttling) for `/`,
// `/register` and `/declare`. Lighthouse comes from bench/ (npm; scripts/ensure-tools.sh bench).
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { totpAt } from './totp.mjs';

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const CHROME_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROME_ARGS });

// A resident with a session (registered through the pages, the SMS code from the demo outbox).
async function residentState() {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  const phone = `135${String(Date.now()).slice(-8)}`;
  await page.goto(`${BASE}/register`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#reg-phone', phone);
  await page.click('#send-code');
  await page.waitForSelector('.banner.ok');
  const outbox = await ctx.newPage();
  await outbox.goto(`${BASE}/dev/outbox`);
  const code = (await outbox.textContent('#outbox')).match(new RegExp(`${phone}[^0-9]*?(\\d{6})`))[1];
  await outbox.close();
  await page.fill('#reg-code', code);
  await page.fill('#reg-password', 'Bench-pages-2026');
  await page.fill('#reg-confirm', 'Bench-pages-2026');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/declare`);
  const state = await ctx.storageState();
  await ctx.close();
  return state;
}

// A first visit (empty cache): every byte received for the page, its code, and its WASM; with
// `then`, also what doing it on the page loads.
async function firstVisit(url, storageState, then) {
  const ctx = await browser.newContext({ ...PHONE, storageState });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60000 });
  await page.waitForLoadState('networkidle');
  if (then) {
    await then(page);
    await page.waitForLoadState('networkidle');
  }
  const entries = await page.evaluate(() => [
    ...performance.getEntriesByType('navigation'),
    ...performance.getEntriesByType('resource'),
  ].map((e) => ({ path: new URL(e.name).pathname, transfer: e.transferSize, decoded: e.decodedBodySize })));
  await ctx.close();
  const sum = (f) => entries.filter(f).reduce((s, e) => s + e.transfer, 0);
  return {
    total: sum(() => true),
    decoded: entries.reduce((s, e) => s + e.decoded, 0),
    wasm: sum((e) => e.path.endsWith('.wasm')),
    mainWasm: sum((e) => /\/doudi(-portal)?\.wasm$/.test(e.path)),
    wasmFiles: entries.filter((e) => e.path.endsWith('.wasm')).map((e) => e.path.split('/').pop()),
  };
}

// Signs a demo account (server/src/seed.rs) in through the sign-in page.
async function signInPage(page, login) {
  await page.goto(`${BASE}/login`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#login-name', login);
  await page.fill('#login-password', 'Demo2026pass');
  await page.click('button[type=submit]');
}

// The demo resident, signed in, and their demo application's number: its status page is a
// resident's page too.
async function demoResidentState() {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await signInPage(page, '13800000001');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.goto(`${BASE}/applications`);
  const href = await page.locator('.app-list a[href^="/applications/"]').first().getAttribute('href');
  const state = await ctx.storageState();
  await ctx.close();
  return { state, href };
}

const resident = await residentState();
const demo = await demoResidentState();
const cookie = resident.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
console.log('What a phone receives on a first visit (transfer sizes in Chromium: compressed, with headers):');
for (const [page, signedIn] of [['/', false], ['/register', false], ['/login', false], ['/declare', true], ['/applications', true], [demo.href, 'demo']]) {
  const v = await firstVisit(`${BASE}${page}`, signedIn === 'demo' ? demo.state : signedIn ? resident : undefined);
  console.log(`  ${page.padEnd(14)} ${kb(v.total)} in all (${kb(v.decoded)} uncompressed); WASM ${kb(v.wasm)} in ${v.wasmFiles.length} requests, of which the main module ${kb(v.mainWasm)}`);
  if (process.env.BENCH_VERBOSE) console.log(`    ${v.wasmFiles.join(' ')}`);
  if (page === '/declare') {
    // The instant estimate's code comes when a resident first opens it (on the third step; most
    // never do).
    const e = await firstVisit(`${BASE}${page}`, resident, async (p) => {
      await p.click('#step-money');
      await p.click('#estimate summary');
      await p.locator('#estimate-needs-place, #estimate .entitlements').first().waitFor();
    });
    console.log(`  ${'  estimate opened'.padEnd(14)} ${kb(e.total)} in all; WASM ${kb(e.wasm)} in ${e.wasmFiles.length} requests`);
  }
}

// Staff pages on a county tablet: a first visit (empty cache) to each, signed in as the demo
// caseworker; WASM bytes on the wire and the number of WASM files fetched (goal: <= 400 KB
// brotli and <= 20 WASM requests for any staff page).
const TABLET = { viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'zh-CN' };
async function staffState() {
  const ctx = await browser.newContext(TABLET);
  const page = await ctx.newPage();
  await signInPage(page, 'demo_caseworker');
  await page.waitForSelector('#login-otp');
  // The demo staff accounts' second factor (server/src/seed.rs: public, demo only).
  await page.fill('#login-otp', totpAt('DOUDIDEMODOUDIDEMODOUDIDEMODOUDI', Math.floor(Date.now() / 30000)));
  await page.click('button[type=submit]');
  await page.waitForURL(/\/staff/);
  const state = await ctx.storageState();
  // The demo application and its household, for their pages.
  await page.goto(`${BASE}/staff/queue`);
  await page.waitForSelector('body[data-hydrated="true"]');
  const number = await page.locator('#queue tr[data-number]').first().getAttribute('data-number');
  await page.goto(`${BASE}/applications/${number}`);
  await page.waitForSelector('body[data-hydrated="true"]');
  const household = await page.locator('a[href^="/staff/households/"]').first().getAttribute('href').catch(() => null);
  await ctx.close();
  return { state, number, household };
}
async function staffVisit(url, storageState) {
  const ctx = await browser.newContext({ ...TABLET, storageState });
  await ctx.addInitScript(() => performance.setResourceTimingBufferSize(100000));
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60000 });
  await page.waitForLoadState('networkidle');
  const sizes = (ending) => page.evaluate((ending) => performance.getEntriesByType('resource')
    .filter((e) => new URL(e.name).pathname.endsWith(ending))
    .map((e) => e.transferSize), ending);
  const wasm = await sizes('.wasm');
  // The scripts that load it (the bindings and the splitter's loader) come with it.
  const js = await sizes('.js');
  await ctx.close();
  return { bytes: wasm.reduce((s, n) => s + n, 0), requests: wasm.length, js: js.reduce((s, n) => s + n, 0) };
}
const staff = await staffState();
console.log('Staff pages, first visit on a tablet (goal: <= 400 KB brotli and <= 20 WASM requests):');
const staffPages = ['/staff', '/staff/queue', `/applications/${staff.number}`, `/staff/visit/${staff.number}`,
  staff.household, '/staff/warnings', '/staff/imports', '/staff/referrals', '/staff/tasks', '/staff/search',
  '/staff/emergency', '/staff/matching', '/notice'].filter(Boolean);
for (const page of staffPages) {
  const v = await staffVisit(`${BASE}${page}`, staff.state);
  const over = v.bytes > 400 * 1024 || v.requests > 20 ? '  (over the goal)' : '';
  console.log(`  ${page.padEnd(28)} WASM ${kb(v.bytes)} in ${v.requests} requests${over}; JavaScript ${kb(v.js)}`);
}
await browser.close();

// Lighthouse 12, mobile, default (simulated) throttling: Moto G Power, slow 4G, CPU 4x slower.
const lighthouse = path.resolve('../bench/node_modules/.bin/lighthouse');
if (process.env.LIGHTHOUSE === '0') {
  console.log('Lighthouse: skipped (LIGHTHOUSE=0)');
  process.exit(0);
}
if (!existsSync(lighthouse)) {
  console.log('Lighthouse: not installed (scripts/ensure-tools.sh bench installs it in bench/)');
  process.exit(0);
}
// Lighthouse's simulated throttling still varies from run to run with the machine's load
// (total blocking time moves by ~100 ms here): each page is measured three times and the median
// run (by performance) is reported, with the three scores, as Lighthouse's documentation advises.
const RUNS = 3;
console.log(`Lighthouse 12, mobile, median of ${RUNS} runs (goal: performance >= 95, accessibility 100 on every resident page):`);
const demoCookie = demo.state.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
// LIGHTHOUSE_PAGES=/declare,/login measures only those (the demo resident's application: `demo`).
const only = process.env.LIGHTHOUSE_PAGES?.split(',');
const lighthousePages = [['/', false], ['/register', false], ['/login', false], ['/declare', true], ['/applications', true], [demo.href, 'demo']]
  .filter(([page, signedIn]) => !only || only.includes(signedIn === 'demo' ? 'demo' : page));
for (const [page, signedIn] of lighthousePages) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'doudi-lh-'));
    const out = path.join(dir, 'report.json');
    const args = [`${BASE}${page}`, '--quiet', '--output=json', `--output-path=${out}`,
      '--only-categories=performance,accessibility', '--locale=en',
      `--chrome-flags=--headless=new ${CHROME_ARGS.join(' ')}`];
    if (signedIn) args.push(`--extra-headers=${JSON.stringify({ Cookie: signedIn === 'demo' ? demoCookie : cookie })}`);
    try {
      execFileSync(lighthouse, args, { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180000 });
      runs.push(JSON.parse(readFileSync(out, 'utf8')));
    } catch (e) {
      console.log(`  ${page.padEnd(10)} Lighthouse failed: ${e.message.split('\n')[0]}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!runs.length) continue;
  const score = (r, c) => Math.round(r.categories[c].score * 100);
  runs.sort((a, b) => score(a, 'performance') - score(b, 'performance'));
  const r = runs[Math.floor(runs.length / 2)];
  const metric = (a) => r.audits[a]?.displayValue?.replace(/\u00a0/g, ' ') ?? '-';
  const failing = Object.values(r.audits)
    .filter((a) => a.score !== null && a.score < 1 && r.categories.accessibility.auditRefs.some((x) => x.id === a.id))
    .map((a) => a.id);
  const worstA11y = Math.min(...runs.map((x) => score(x, 'accessibility')));
  console.log(`  ${page.padEnd(10)} performance ${score(r, 'performance')}, accessibility ${score(r, 'accessibility')}` +
    ` (FCP ${metric('first-contentful-paint')}, LCP ${metric('largest-contentful-paint')}, TBT ${metric('total-blocking-time')},` +
    ` CLS ${metric('cumulative-layout-shift')}, TTI ${metric('interactive')}); runs: performance ${runs.map((x) => score(x, 'performance')).join(', ')},` +
    ` accessibility at least ${worstA11y}` +
    (failing.length ? `; accessibility audits not passed: ${failing.join(', ')}` : ''));
  // What moved, when something did: Lighthouse's layout-shift audit names each element and its share.
  for (const item of (r.audits['layout-shifts']?.details?.items ?? []).slice(0, 5)) {
    const node = item.node ?? {};
    console.log(`      layout shift ${Number(item.score ?? 0).toFixed(3)}: ${node.selector ?? '?'} ${(node.snippet ?? '').slice(0, 160)}`);
  }
}
