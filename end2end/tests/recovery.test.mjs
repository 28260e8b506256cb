// 追回 on a 1024 px tablet (issue 21): on a household's file a caseworker opens a recovery case,
// records a repayment, and asks to write off the rest, which waits for a second person.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OUT, hydrated, unlabelled, newTablet, signIn, openDemoHousehold } from './helpers.mjs';

test('a caseworker opens a recovery case on the household file and records a repayment', async () => {
  const t = await newTablet();
  const p = t.page;
  await signIn(p, 'demo_caseworker', 'Demo2026pass');
  await p.waitForURL(/\/staff/);
  await hydrated(p);
  await openDemoHousehold(p);
  await p.locator('#recovery-none').waitFor();
  await p.click('#recovery-open summary');
  assert.deepEqual(await unlabelled(p), []);
  // Checked before anything is stored: a decision is required.
  await p.fill('#rc-amount', '-3');
  await p.fill('#rc-decision', 'x');
  await p.click('#rc-open-go');
  await p.locator('#rc-amount-error').waitFor();
  await p.locator('#rc-decision-error').waitFor();
  await p.fill('#rc-amount', '820');
  await p.fill('#rc-decision', '甘民追〔2026〕12号');
  await p.click('#rc-open-go');
  const c = p.locator('.recovery-case').first();
  await c.waitFor();
  assert.equal((await c.locator('.rc-outstanding').textContent()).trim(), '820.00');
  // A repayment received today.
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  await c.locator('input[id^="rc-pay-amount-"]').fill('320');
  await c.locator('input[id^="rc-paid-on-"]').fill(today);
  await c.locator('button[id^="rc-pay-go-"]').click();
  await p.locator('.recovery-case .rc-outstanding', { hasText: '500.00' }).waitFor();
  // The rest: asked, then waiting for another county caseworker (not this one).
  await p.locator('.recovery-case input[id^="rc-wo-reason-"]').fill('户主已故，无遗产可追');
  await p.locator('.recovery-case button[id^="rc-wo-go-"]').click();
  await p.locator('.recovery-case .rc-state', { hasText: '核销待批准' }).waitFor();
  assert.equal(await p.locator('.recovery-case button[id^="rc-approve-"]').count(), 0);
  await p.screenshot({ path: `${OUT}recovery-1024.png`, fullPage: true });
  await t.ctx.close();
});
