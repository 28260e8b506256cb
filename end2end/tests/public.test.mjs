// The public side on a 360 px phone (issue 22): the policy page reached from the landing page,
// a county chosen step by step with plain forms, its standards with their sources, the numbers
// in the footer; the same page without JavaScript; open statistics; finding a village's notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, newPhone, newContext, loadedWasm } from './helpers.mjs';

// Whether anything is wider than the phone's screen (a page a thumb has to scroll sideways).
async function overflows(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

async function choose(page, label) {
  await page.selectOption('#region', { label });
  await Promise.all([page.waitForNavigation(), page.click('form.region-pick button[type=submit]')]);
}

test('a resident finds the standards of their county and the numbers to call, at 360 px', async () => {
  const { ctx, page } = await newPhone();
  await page.goto(`${BASE}/`);
  await Promise.all([page.waitForNavigation(), page.click('#home-policy')]);
  assert.equal(new URL(page.url()).pathname, '/policy');
  // Province, city, county: each a plain form, each a page load.
  await choose(page, '甘肃省');
  await choose(page, '张掖市');
  await choose(page, '甘州区');
  assert.match(await page.locator('#standards h2').textContent(), /甘州区现行标准/);
  const dibao = page.locator('tr[data-item="dibao_standard"]').first();
  assert.ok(await dibao.isVisible(), 'the Dibao standard is shown');
  assert.match(await dibao.textContent(), /\d+\.\d{2} 元\/人·月/);
  assert.match(await page.locator('#dibao tr.sources').first().textContent(), /依据/);
  assert.ok(await page.locator('#dibao .badge.example').count() > 0, 'example values say so');
  // The footer: the numbers in force, each one tap to call.
  const footer = page.locator('#public-footer');
  assert.match(await footer.textContent(), /社会救助服务热线/);
  assert.equal(await footer.locator('a[href^="tel:"]').count(), 2);
  assert.equal(await overflows(page), false, 'nothing wider than the phone');
  // No island on the page: the portal's main module at most, nothing of a page's own.
  const wasm = await loadedWasm(page);
  assert.ok(wasm.every((p) => p === '/pkg/portal/doudi-portal.wasm'), `${wasm}`);
  await page.screenshot({ path: `${OUT}public-policy-360.png`, fullPage: true });
  // The estimate is one tap away.
  assert.equal(await page.locator('#estimate-link').getAttribute('href'), '/declare');
  await ctx.close();

  // Without JavaScript the same page is whole: nothing on it needs a script.
  const bare = await newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false, locale: 'zh-CN' });
  const p = await bare.newPage();
  await p.goto(`${BASE}/policy?region=620702000000`);
  assert.ok(await p.locator('tr[data-item="tekun_standard"]').first().isVisible());
  assert.equal(await p.locator('#public-footer a[href^="tel:"]').count(), 2);
  await bare.close();
});

test('open statistics and the public notice work at 360 px', async () => {
  const { ctx, page } = await newPhone();
  await page.goto(`${BASE}/open?region=620700000000`);
  await choose(page, '甘州区');
  assert.match(await page.locator('main h2').first().textContent(), /甘州区/);
  assert.ok(await page.locator('#open-now').isVisible(), 'those in assistance now');
  assert.match(await page.locator('main').textContent(), /少于5户/);
  assert.equal(await overflows(page), false);
  await page.screenshot({ path: `${OUT}public-open-360.png`, fullPage: true });

  // The notice: a village found by name within the county, then its own list.
  await page.goto(`${BASE}/notice?region=620702000000`);
  await page.fill('#notice-text', '迎恩');
  await Promise.all([page.waitForNavigation(), page.click('form.region-pick:has(#notice-text) button')]);
  await Promise.all([page.waitForNavigation(), page.click('#notice-found a')]);
  assert.equal(new URL(page.url()).searchParams.get('region'), '620702100201');
  assert.match(await page.locator('.region-trail').textContent(), /迎恩村/);
  assert.equal(await overflows(page), false);
  await ctx.close();
});
