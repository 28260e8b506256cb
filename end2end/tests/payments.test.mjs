// 资金发放 on a 1024 px tablet (issue 21): the county caseworker computes the month's roll; the
// page shows its totals and lines and offers no approval to who prepared it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn } from './helpers.mjs';

test('the county caseworker computes the month roll and cannot approve it alone', async () => {
  const t = await newTablet();
  const p = t.page;
  await signIn(p, 'demo_caseworker', 'Demo2026pass');
  await p.waitForURL(/\/staff/);
  await hydrated(p);
  await p.click('#payments-link');
  await p.waitForURL(`${BASE}/staff/payments`);
  await hydrated(p);
  await p.locator('#p-month').waitFor();
  assert.deepEqual(await unlabelled(p), []);
  await p.locator('#p-prepare').waitFor();
  await p.click('#p-prepare');
  await p.locator('#p-roll[data-status="prepared"]').waitFor();
  assert.match(await p.textContent('#p-status'), /待复核/);
  // Demo data has households in assistance or none: the roll says how many either way.
  assert.match(await p.textContent('#p-households'), /^\d+$/);
  assert.equal(await p.locator('#p-approve').count(), 0, 'who prepared it does not approve it');
  assert.equal(await p.locator('#p-bank-csv').count(), 0, 'no bank file before approval');
  await p.screenshot({ path: `${OUT}payments-1024.png`, fullPage: true });
  await t.ctx.close();
});
