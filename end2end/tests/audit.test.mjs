// The audit administrator (issue 17, hole 11) reads the region's audit trail on a tablet: the
// hash chain's state, the records of staff reads, a filter, and an XLSX export of the selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn } from './helpers.mjs';

test('the audit administrator filters the trail and exports it; nobody else opens it', async () => {
  // A caseworker's read leaves a record.
  const cw = await newTablet();
  await signIn(cw.page, 'demo_caseworker', 'Demo2026pass');
  await cw.page.waitForURL(/\/staff/);
  await cw.page.goto(`${BASE}/staff/queue`);
  await hydrated(cw.page);
  await cw.page.goto(`${BASE}/staff/audit`);
  await cw.page.locator('.notice').waitFor();
  assert.equal(await cw.page.locator('#audit-rows').count(), 0, 'a caseworker sees no trail');
  await cw.ctx.close();

  const t = await newTablet();
  const p = t.page;
  await signIn(p, 'demo_auditor', 'Demo2026pass');
  await p.waitForURL(/\/staff/);
  await hydrated(p);
  assert.equal(await p.locator('#queue-link').count(), 0, 'the auditor has no casework');
  await p.click('#audit-link');
  await p.waitForURL(`${BASE}/staff/audit`);
  await hydrated(p);
  await p.locator('#audit-chain').waitFor();
  assert.match(await p.textContent('#audit-chain'), /哈希链完整/);
  assert.deepEqual(await unlabelled(p), []);
  await p.fill('#audit-actor', 'demo_caseworker');
  await p.fill('#audit-action', 'queue_read');
  await p.click('#audit-search');
  // The unfiltered page holds queue_read rows too: wait until the filtered page replaced it.
  await p.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#audit-rows tbody tr')];
    return rows.length > 0 && rows.every((r) => r.dataset.action === 'queue_read');
  }, null, { timeout: 10000 });
  const actions = await p.locator('#audit-rows tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  assert.ok(actions.length > 0 && actions.every((a) => a === 'queue_read'), actions.join(','));
  await p.screenshot({ path: `${OUT}audit-trail-1024.png`, fullPage: true });
  const href = await p.getAttribute('#audit-export', 'href');
  assert.match(href, /action=queue_read/);
  const xlsx = await p.request.get(`${BASE}${href}`);
  assert.equal(xlsx.status(), 200);
  assert.match(xlsx.headers()['content-type'], /spreadsheetml/);
  assert.equal((await xlsx.body()).subarray(0, 2).toString(), 'PK');
  await t.ctx.close();
});
