// A resident on a slow phone (DevTools protocol: Slow 4G, CPU 4x slower): what was typed before
// the page's code was live survives it, buttons that need the code say so until then, what is
// downloaded is compressed and kept, and without JavaScript the sign-in form says what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, hydrated, newPhone, register, throttle, holdWasm, browser } from './helpers.mjs';

const isHydrated = (page) => page.evaluate(() => document.body.dataset.hydrated === 'true');

test('typing on the registration page before its code is live is kept', async () => {
  const { ctx, page } = await newPhone();
  await throttle(ctx, page);
  const release = await holdWasm(page);
  await page.goto(`${BASE}/register`, { waitUntil: 'domcontentloaded' });
  // The code is not live: the button that asks for an SMS code cannot be pressed yet.
  assert.equal(await isHydrated(page), false);
  assert.equal(await page.isDisabled('#send-code'), true);
  const phone = `137${String(Date.now()).slice(-8)}`;
  await page.fill('#reg-phone', phone);
  await page.fill('#reg-password', 'Typed-early-2026');
  assert.equal(await isHydrated(page), false, 'typed before the page was live');
  release();
  await hydrated(page);
  assert.equal(await page.inputValue('#reg-phone'), phone);
  assert.equal(await page.inputValue('#reg-password'), 'Typed-early-2026');
  // The page's code has the number, not only the field: the code is sent to it.
  assert.equal(await page.isDisabled('#send-code'), false);
  await page.click('#send-code');
  await page.locator('.banner.ok', { hasText: '验证码已发送' }).waitFor();
  // Another code only after the interval the server asks for, counted down on the button.
  await page.locator('#send-code', { hasText: /\d+ 秒后可重新获取/ }).waitFor();
  assert.equal(await page.isDisabled('#send-code'), true);
  await ctx.close();
});

test('typing in the declaration before its part of the code is loaded is kept and saved', async () => {
  const { ctx, page } = await newPhone();
  await register(ctx, page, `136${String(Date.now()).slice(-8)}`, 'Declare-early-2026');
  const slow = await ctx.newPage();
  await throttle(ctx, slow);
  const release = await holdWasm(slow);
  await slow.goto(`${BASE}/declare`, { waitUntil: 'domcontentloaded' });
  await slow.waitForSelector('#address');
  await slow.fill('#address', '梁家墩镇五组8号');
  await slow.fill('#description', '早于页面加载完成输入的说明');
  assert.equal(await isHydrated(slow), false, 'typed before the declaration was live');
  release();
  await hydrated(slow);
  assert.equal(await slow.inputValue('#address'), '梁家墩镇五组8号');
  assert.equal(await slow.inputValue('#description'), '早于页面加载完成输入的说明');
  // It is in the draft: saved, and there again on the next visit.
  await slow.locator('#save-state', { hasText: '草稿已保存' }).waitFor();
  await slow.close();
  // Nothing on the page moves as its parts arrive (the region picker's levels, the header):
  // the layout shifts the browser records add up to at most 0.02 (CLS).
  await page.addInitScript(() => {
    window.__shift = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(`${BASE}/declare`);
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  const shift = await page.evaluate(() => window.__shift);
  assert.ok(shift <= 0.02, `layout shift on /declare: ${shift}`);
  assert.equal(await page.inputValue('#address'), '梁家墩镇五组8号');
  assert.equal(await page.inputValue('#description'), '早于页面加载完成输入的说明');
  await ctx.close();
});

test('what a phone downloads is compressed, and kept for the next page', async () => {
  const { ctx, page } = await newPhone();
  await throttle(ctx, page);
  const headers = new Map();
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/')) headers.set(path, r.headers());
  });
  await page.goto(`${BASE}/register`);
  await hydrated(page);
  const entries = () => page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => new URL(e.name).pathname.startsWith('/pkg/'))
    .map((e) => ({ path: new URL(e.name).pathname, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize })));
  const first = await entries();
  const wasm = first.find((e) => /\/portal\/doudi-portal\.wasm$/.test(e.path));
  assert.ok(wasm, JSON.stringify(first));
  assert.match(wasm.path, /^\/pkg\/v[0-9a-f]{12}\/portal\//, 'named under the build version');
  for (const e of first.filter((e) => /\.(wasm|js)$/.test(e.path))) {
    const h = headers.get(e.path) ?? {};
    assert.equal(h['content-encoding'], 'br', `${e.path} is sent brotli-compressed`);
    assert.equal(h['cache-control'], 'public, max-age=31536000, immutable', e.path);
    assert.ok(e.encoded < e.decoded, `${e.path}: ${e.encoded} bytes on the wire for ${e.decoded}`);
  }
  const page1 = first.reduce((s, e) => s + e.transfer, 0);
  console.log(`# /register on a phone: ${(page1 / 1024).toFixed(0)} KB of code received ` +
    `(${(first.reduce((s, e) => s + e.decoded, 0) / 1024).toFixed(0)} KB uncompressed)`);
  // The next page of the portal loads the same WASM from the browser's cache: nothing received.
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  const second = await entries();
  const again = second.find((e) => /\/portal\/doudi-portal\.wasm$/.test(e.path));
  assert.ok(again, JSON.stringify(second));
  assert.equal(again.transfer, 0, `the WASM came from the cache: ${JSON.stringify(again)}`);
  // The page itself is compressed too.
  const html = await page.request.get(`${BASE}/login`, { headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(html.headers()['content-encoding'], 'gzip');
  await ctx.close();
});

test('without JavaScript, the sign-in form says why nothing happened', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN', viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login`);
  await page.fill('#login-name', '13800000001');
  await page.fill('#login-password', 'whatever-it-is');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/login?early`);
  await page.locator('.banner.error', { hasText: '表单在页面加载完成之前就提交了' }).waitFor();
  assert.equal(await page.inputValue('#login-password'), '', 'the password is not sent back');
  await ctx.close();
});
