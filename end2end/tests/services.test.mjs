// 服务类救助 in the browser (issue 22): on a 1024 px tablet the caseworker orders daily care
// for the demo household's elderly head from the demo provider, the order joins the household's
// chain with its monthly cost; the provider records a service with the person's confirmation and
// the month's cost follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn, openDemoHousehold } from './helpers.mjs';

test('a care service is ordered and a service given is recorded, at 1024 px', async () => {
  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  await openDemoHousehold(c);
  // The order form is loaded when opened.
  await c.click('#care-open > summary');
  await c.locator('#care-order-form').waitFor();
  assert.match(await c.locator('#care-member').textContent(), /张演示.*老年人/);
  assert.deepEqual(await unlabelled(c), []);
  // Nothing chosen: the price is named at its field.
  await c.click('#care-order');
  await c.locator('#care-price-error:not(:empty)').waitFor();
  const care = await c.locator('#care-price optgroup[label="【演示】甘州区居家养老服务中心"] option', { hasText: '生活照料' }).getAttribute('value');
  await c.selectOption('#care-price', care);
  await c.fill('#care-quantity', '20');
  const until = new Date(Date.now() + 90 * 86400000 + 8 * 3600000).toISOString().slice(0, 10);
  await c.fill('#care-until', until);
  await c.click('#care-order');
  const order = c.locator('.service-order', { hasText: '生活照料' });
  await order.waitFor();
  assert.match(await order.textContent(), /500\.00/, '20 hours at 25 yuan a month');
  await c.reload();
  await hydrated(c);
  await c.locator('#chain-table', { hasText: '服务类救助订单' }).waitFor();
  assert.equal(await c.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true);
  await c.screenshot({ path: `${OUT}care-order-1024.png`, fullPage: true });
  await staff.ctx.close();

  const provider = await newTablet();
  const p = provider.page;
  await signIn(p, 'demo_provider', 'Demo2026pass');
  await p.waitForURL((u) => !u.pathname.startsWith('/login'));
  await p.goto(`${BASE}/provider`);
  await hydrated(p);
  const article = p.locator('.service-order', { hasText: '张演示' }).first();
  await article.waitFor();
  assert.deepEqual(await unlabelled(p), []);
  await article.locator('.d-quantity').fill('2.5');
  await article.locator('.d-carer').fill('刘护工');
  await article.locator('.d-by').fill('张演示');
  await article.locator('.d-confirmation').selectOption('thumbprint');
  await article.locator('.d-save').click();
  await p.locator('.service-order', { hasText: '张演示' }).first().locator('.service-months', { hasText: '62.50' }).waitFor();
  await p.screenshot({ path: `${OUT}care-provider-1024.png`, fullPage: true });
  await provider.ctx.close();
});
