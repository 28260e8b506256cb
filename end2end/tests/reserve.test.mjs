// 乡镇临时救助备用金 on a 1024 px tablet (issue 21): the county allocates to a township's reserve
// and the month's reconciliation shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn, chooseFirst } from './helpers.mjs';

test('the county allocates a township reserve and the month reconciles', async () => {
  const t = await newTablet();
  const p = t.page;
  await signIn(p, 'demo_caseworker', 'Demo2026pass');
  await p.waitForURL(/\/staff/);
  await hydrated(p);
  await p.click('#reserve-link');
  await p.waitForURL(`${BASE}/staff/reserve`);
  await hydrated(p);
  await p.locator('#rf-credit').waitFor();
  assert.deepEqual(await unlabelled(p), []);
  const township = await chooseFirst(p, '#rf-township');
  await p.fill('#rf-amount', '5000');
  await p.fill('#rf-note', '2026年度备用金');
  await p.click('#rf-credit-go');
  await p.locator('#rf-done').waitFor();
  assert.match(await p.textContent('#rf-done'), /5000\.00/);
  const row = p.locator(`#rf-table tr[data-township="${township}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /5000\.00.*一致/);
  // The form drawn again still names the township it will credit.
  assert.equal(await p.inputValue('#rf-township'), township);
  await p.screenshot({ path: `${OUT}reserve-1024.png`, fullPage: true });
  await t.ctx.close();
});
