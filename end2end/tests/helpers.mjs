// Shared by the browser tests: the browser, ID numbers, registration, form filling.
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { totpAt } from '../totp.mjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const OUT = new URL('../output/', import.meta.url).pathname;
export let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
});
after(async () => { await browser?.close(); });

export function validId(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

// A minimal valid PNG (1×1).
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30000 });
}

// The WASM modules a page has loaded (paths), e.g. the portal's own or the whole application's.
// Chrome may record a resource's timing entry a moment after the code it carried is already
// running (streamed compilation), so this waits for a main module's entry before reading them.
// Paths without the build output's version (`/pkg/v0123456789ab/doudi.wasm` -> `/pkg/doudi.wasm`).
export async function loadedWasm(page) {
  const wasm = () => performance.getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname.replace(/^\/pkg\/v[0-9a-f]{12}\//, '/pkg/'))
    .filter((p) => p.endsWith('.wasm'));
  await page.waitForFunction(() => performance.getEntriesByType('resource')
    .some((e) => /\/doudi(-portal)?\.wasm$/.test(new URL(e.name).pathname)), null, { timeout: 10000 })
    .catch(() => {});
  return page.evaluate(wasm);
}

// Every form control a user can reach has a visible <label>.
export async function unlabelled(page) {
  return page.$$eval('input, select, textarea', (els) =>
    els.filter((e) => e.type !== 'hidden' && !(e.labels && e.labels.length)).map((e) => e.id || e.outerHTML));
}

// A browser context whose pages keep every resource-timing entry: the staff application loads
// ~270 split chunks and Chrome's default buffer (250 entries) dropped the main module's entry,
// which `loadedWasm` looks for (CI failure of stop 30).
export async function newContext(options) {
  const ctx = await browser.newContext(options);
  await ctx.addInitScript(() => performance.setResourceTimingBufferSize(100000));
  return ctx;
}

export async function newPhone() {
  const ctx = await newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  return { ctx, page: await ctx.newPage() };
}

export async function newTablet() {
  const ctx = await newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'zh-CN' });
  return { ctx, page: await ctx.newPage() };
}

export async function chooseFirst(page, selector) {
  await page.waitForSelector(`${selector} option:nth-child(2)`, { state: 'attached' });
  const value = await page.$eval(`${selector} option:nth-child(2)`, (o) => o.value);
  await page.selectOption(selector, value);
  return value;
}

export async function fillMember(page, i, { relation, name, id }) {
  if (relation) await page.selectOption(`#m${i}-relation`, relation);
  await page.fill(`#m${i}-name`, name);
  await page.fill(`#m${i}-id_number`, id);
  await page.locator(`#m${i}-id_number`).blur();
  await page.selectOption(`#m${i}-health`, 'healthy');
  await page.selectOption(`#m${i}-schooling`, 'not_in_school');
  await page.selectOption(`#m${i}-work_status`, 'farming');
  await page.selectOption(`#m${i}-labour_capacity`, 'full');
}

// Registers a new resident with the SMS code from the demo outbox; ends on /declare.
export async function register(ctx, page, phone, password) {
  await page.goto(`${BASE}/register`);
  await hydrated(page);
  await page.fill('#reg-phone', phone);
  await page.click('#send-code');
  await page.waitForSelector('.banner.ok');
  const outbox = await ctx.newPage();
  await outbox.goto(`${BASE}/dev/outbox`);
  const sms = await outbox.textContent('#outbox');
  const code = sms.match(new RegExp(`${phone}[^0-9]*?(\\d{6})`))[1];
  await outbox.close();
  await page.fill('#reg-code', code);
  await page.fill('#reg-password', password);
  await page.fill('#reg-confirm', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/declare`);
  await hydrated(page);
  await page.waitForSelector('form.declaration');
}

// Chooses Gansu › Zhangye › Ganzhou › the first township › the first village.
export async function chooseGanzhouVillage(page) {
  await page.selectOption('#region-0', '620000000000');
  await page.selectOption('#region-1', '620700000000');
  await page.selectOption('#region-2', '620702000000');
  await chooseFirst(page, '#region-3');
  await chooseFirst(page, '#region-4');
}

// The demo staff accounts' second factor (server/src/seed.rs: public, demo only).
export const DEMO_TOTP_SECRET = 'DOUDIDEMODOUDIDEMODOUDIDEMODOUDI';
const DEMO_STAFF = new Set(['demo_caseworker', 'demo_grid', 'demo_department', 'demo_admin', 'demo_security', 'demo_auditor']);

// A code the server has not seen used for `login`: a code works once, and the test files run one
// after another in separate processes against one server, so the steps used are kept in a file.
// The current step or the next (the server allows one either side; the current one leaves a
// whole step's margin), after the last used; when both are spent, wait as a person would.
export async function nextTotp(login, secret) {
  const file = `${OUT}totp-steps.json`;
  mkdirSync(OUT, { recursive: true });
  const used = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const now = () => Math.floor(Date.now() / 30000);
  const step = Math.max(now(), (used[`${BASE} ${login}`] ?? -Infinity) + 1);
  used[`${BASE} ${login}`] = step;
  writeFileSync(file, JSON.stringify(used));
  while (step > now() + 1) await new Promise((r) => setTimeout(r, 500));
  return totpAt(secret, step);
}

export async function signIn(page, login, password, secret = DEMO_STAFF.has(login) ? DEMO_TOTP_SECRET : null) {
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.fill('#login-name', login);
  await page.fill('#login-password', password);
  await page.click('button[type=submit]');
  if (secret) {
    await page.waitForSelector('#login-otp');
    await page.fill('#login-otp', await nextTotp(login, secret));
    await page.click('button[type=submit]');
  }
}

// A phone on a slow network with a 4x slower CPU (Chrome DevTools' "Slow 4G" figures), set
// through the DevTools protocol.
export async function throttle(ctx, page) {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  return cdp;
}

// Holds back the page's WASM until `release()` is called: what a person does meanwhile is done
// before the page's code is live, however fast this machine is.
export async function holdWasm(page) {
  let release;
  const released = new Promise((r) => { release = r; });
  await page.route(/\.wasm$/, async (route) => { await released; await route.continue(); });
  return () => release();
}

// The declaration is a few steps (household, members, money, needs, review): shows one by its
// place in the list of steps at the top.
export async function toStep(page, name) {
  await page.click(`#step-${name}`);
  await page.locator(`#panel-${name}`).waitFor();
}

// A caseworker finds the demo household (张演示) by name and opens its file.
export async function openDemoHousehold(page) {
  await page.goto(`${BASE}/staff/search`);
  await hydrated(page);
  await page.fill('#s-name', '张演示');
  await page.click('#s-search');
  await page.locator('#search-results a', { hasText: '张演示' }).first().click();
  await page.waitForURL(/\/staff\/households\//);
  await hydrated(page);
}
