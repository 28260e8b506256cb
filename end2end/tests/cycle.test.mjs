// A caseworker registers emergency aid for someone from another province (no hukou
// restriction): over the advance-aid cap it needs a case conference record; the aid lands in
// the person's household file, which the low-income database then finds. A person whose
// identity is not known is helped too, and recorded for the region.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, validId, hydrated, unlabelled, newTablet, signIn } from './helpers.mjs';

test('emergency aid is registered where it happened and the person is found in the database', async () => {
  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  await c.click('#emergency-link');
  await c.waitForURL(`${BASE}/staff/emergency`);
  await hydrated(c);
  const id = validId('21010219850505031');
  await c.fill('#em-name', '赵外来');
  await c.fill('#em-id', id);
  await c.fill('#em-situation', '务工期间突发重病，无力支付医疗费');
  await c.fill('#em-amount', '3000');
  await c.check('#em-advance');
  assert.deepEqual(await unlabelled(c), []);
  await c.click('#em-save');
  await c.locator('#em-amount-error', { hasText: /\S/ }).waitFor();
  await c.fill('#em-conference', '甘州区困难群众基本生活保障协调机制一事一议：先行救助3000元');
  await c.click('#em-save');
  await c.locator('#emergency-done').waitFor();
  await c.screenshot({ path: `${OUT}emergency-1024.png`, fullPage: true });
  await c.click('#emergency-done a');
  await c.waitForURL(/\/staff\/households\//);
  await hydrated(c);
  await c.locator('#chain-table tr[data-kind="emergency"]', { hasText: '3000.00' }).waitFor();
  await c.locator('#emergencies', { hasText: '一事一议' }).waitFor();

  await c.goto(`${BASE}/staff/search`);
  await hydrated(c);
  await c.fill('#s-id', id);
  await c.click('#s-search');
  await c.locator('#search-results tbody tr').first().waitFor();
  assert.match(await c.textContent('#search-results'), /210102\*{8}/);
  assert.doesNotMatch(await c.textContent('#search-results'), new RegExp(id));
  await c.goto(`${BASE}/staff/tasks`);
  await hydrated(c);
  await c.locator('#tasks-none, #tasks').first().waitFor();
  assert.deepEqual(await unlabelled(c), []);

  // A person whose identity is not known (生活无着流浪乞讨人员): no ID number, a description
  // instead; the record is listed for the region, without a household.
  await c.goto(`${BASE}/staff/emergency`);
  await hydrated(c);
  await c.check('#em-unidentified');
  assert.equal(await c.locator('#em-id').count(), 0, 'no ID number asked');
  await c.fill('#em-description', '男，约六十岁，灰色棉衣，在客运站发现');
  await c.fill('#em-situation', '夜间低温，身无分文');
  await c.fill('#em-amount', '200');
  assert.deepEqual(await unlabelled(c), []);
  await c.click('#em-save');
  await c.locator('#emergency-done').waitFor();
  assert.equal(await c.locator('#emergency-done a').count(), 0, 'no household file to open');
  await c.locator('#unidentified li', { hasText: '灰色棉衣' }).waitFor();
  await staff.ctx.close();
});
