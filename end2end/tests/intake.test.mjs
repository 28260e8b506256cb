// 现有对象直接纳入 in the browser (issue 23): on a 1024 px tablet the caseworker takes in a Dibao
// roster; the report counts the people taken and the household decided, and names the refused
// row; the household found by a member's ID number shows its listings and the decision the
// intake made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn, validId } from './helpers.mjs';

test('a roster is taken in and its household shows its listings, at 1024 px', async () => {
  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  await c.click('#intake-link');
  await c.waitForURL(`${BASE}/staff/intake`);
  await hydrated(c);
  assert.deepEqual(await unlabelled(c), []);
  await c.selectOption('#intake-roster', 'dibao');
  await c.locator('#intake-columns summary').click();
  assert.equal(await c.locator('#intake-template').getAttribute('href'), '/intake/template/dibao.xlsx');
  const head = validId('62070219680101771');
  const wife = validId('62070219500101772');
  const csv = '户主身份证号,身份证号,姓名,与户主关系,行政区划代码,月保障金额,纳入日期\r\n'
    + `${head},${head},【测试】赵户主,户主,620702100201,420,2023-04-01\r\n`
    + `${head},${wife},【测试】钱妻,配偶,620702100201,380,2023-04-01\r\n`
    + `${head},${wife},【测试】钱妻,堂亲,620702100201,380,2023-04-01\r\n`;
  await c.setInputFiles('#intake-file', { name: '低保名册.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  // Checked first: the report says what would be done and that nothing was; the file stays
  // chosen for the intake itself.
  await c.click('#intake-check');
  const checked = c.locator('#intake-report[data-check="true"]');
  await checked.waitFor();
  assert.equal(await checked.getAttribute('data-taken'), '2');
  assert.match(await checked.textContent(), /未导入任何数据/);
  assert.match(await checked.locator('.intake-categories').textContent(), /低保对象 1/);
  await c.click('#intake-run');
  const report = c.locator('#intake-report:not([data-check])');
  await report.waitFor();
  assert.equal(await report.getAttribute('data-taken'), '2');
  assert.match(await report.textContent(), /与户主关系无法识别/);
  // The household is decided from the roster: on the 花名册 and the payment rolls.
  const decided = report.locator('tr', { hasText: '按名册认定在保' });
  assert.equal((await decided.locator('td').textContent()).trim(), '1');
  assert.equal(await c.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true);
  await c.screenshot({ path: `${OUT}intake-1024.png`, fullPage: true });

  // The household, found by the wife's ID number, shows both listings.
  await c.goto(`${BASE}/staff/search`);
  await hydrated(c);
  await c.fill('#s-id', wife);
  await c.click('#s-search');
  await c.locator('#search-results a').first().click();
  await c.locator('#caseload', { hasText: '钱妻' }).waitFor();
  assert.equal(await c.locator('#caseload tbody tr').count(), 2);
  // With the decision the intake made: Dibao, both listed amounts, from the listing's day.
  const decision = await c.locator('#intake-decision').textContent();
  assert.match(decision, /低保/);
  assert.match(decision, /800/);
  assert.match(decision, /2023-04-01/);
  assert.match(decision, /低保名册\.csv/);
  // Its chain says the amounts came from the roster.
  assert.match(await c.locator('#chain-table').textContent(), /名册纳入/);
  // Never applied, it is named by the head its roster listed, its persons as the members.
  assert.match(await c.locator('#household-heading').textContent(), /赵户主/);
  assert.equal(await c.locator('#file-members tbody tr').count(), 2);
  assert.match(await c.locator('#file-members tbody').textContent(), /1968-01-01/);
  // Care services read who may need them from the rosters (said so): the wife, born 1950, is
  // offered as elderly; the head, 58, is not.
  assert.match(await c.locator('#care-from-roster').textContent(), /按名册/);
  // The order form is loaded when opened.
  await c.click('#care-open > summary');
  await c.locator('#care-order-form').waitFor();
  const offered = await c.locator('#care-member option').allTextContents();
  assert.equal(offered.length, 1);
  assert.match(offered[0], /钱妻/);
  assert.match(offered[0], /老年人/);
  assert.equal(await c.locator('#care-services .banner.error').count(), 0);
  assert.equal(await c.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true);
  await c.screenshot({ path: `${OUT}intake-file-1024.png`, fullPage: true });
  await staff.ctx.close();
});
