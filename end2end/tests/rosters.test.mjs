// 花名册 on a 1024 px tablet (issue 21): a caseworker picks a list and its filters, downloads it
// masked with one tap, and unmasked only after stating a purpose; a system administrator sees
// no unmasked form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn } from './helpers.mjs';

async function downloaded(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const bytes = fs.readFileSync(await download.path());
  return { name: download.suggestedFilename(), bytes };
}

test('a caseworker exports a roster masked, and unmasked only with a purpose', async () => {
  const t = await newTablet();
  const p = t.page;
  await signIn(p, 'demo_caseworker', 'Demo2026pass');
  await p.waitForURL(/\/staff/);
  await hydrated(p);
  await p.click('#rosters-link');
  await p.waitForURL(`${BASE}/staff/rosters`);
  await hydrated(p);
  await p.locator('#r-kind').waitFor();
  assert.deepEqual(await unlabelled(p), []);
  // Households in assistance to start with; a category narrows the link.
  assert.equal(await p.getAttribute('#roster-masked', 'href'), '/rosters/households.xlsx?standing=in_assistance');
  await p.selectOption('#r-category', 'dibao');
  assert.equal(await p.getAttribute('#roster-masked', 'href'), '/rosters/households.xlsx?category=dibao&standing=in_assistance');
  // Another list has its own filters.
  await p.selectOption('#r-kind', 'applications');
  await p.locator('#r-status').waitFor();
  assert.equal(await p.locator('#r-category').count(), 0);
  await p.selectOption('#r-status', 'submitted');
  assert.equal(await p.getAttribute('#roster-masked', 'href'), '/rosters/applications.xlsx?status=submitted');
  // Referrals answered by one department in a span of months (as the dashboard links them).
  await p.selectOption('#r-kind', 'referrals');
  await p.locator('#r-department').waitFor();
  assert.deepEqual(await unlabelled(p), []);
  await p.selectOption('#r-department', 'medical_insurance');
  await p.selectOption('#r-status', 'answered');
  await p.fill('#r-from', '2026-01');
  await p.fill('#r-to', '2026-12');
  assert.equal(
    await p.getAttribute('#roster-masked', 'href'),
    '/rosters/referrals.xlsx?status=answered&department=medical_insurance&from=2026-01&to=2026-12',
  );
  const referrals = await downloaded(p, () => p.click('#roster-masked'));
  assert.match(referrals.name, /^roster-referrals-620702000000-/);
  await p.selectOption('#r-kind', 'applications');
  await p.locator('#r-status').waitFor();
  await p.selectOption('#r-status', 'submitted');
  const masked = await downloaded(p, () => p.click('#roster-masked'));
  assert.match(masked.name, /^roster-applications-620702000000-\d{4}-\d{2}-\d{2}\.xlsx$/);
  assert.equal(masked.bytes.subarray(0, 2).toString(), 'PK');
  assert.equal(p.url(), `${BASE}/staff/rosters`, 'the page stays');

  // Unmasked: the form asks for a purpose before anything is sent.
  await p.click('#roster-unmasked summary');
  assert.deepEqual(await unlabelled(p), []);
  await p.click('#roster-unmasked-go');
  assert.equal(await p.$eval('#r-purpose', (i) => i.validity.valueMissing), true);
  await p.screenshot({ path: `${OUT}rosters-1024.png`, fullPage: true });
  await p.fill('#r-purpose', '2026年12月入户核查名单核对');
  const full = await downloaded(p, () => p.click('#roster-unmasked-go'));
  assert.match(full.name, /^roster-applications-620702000000-/);
  assert.equal(full.bytes.subarray(0, 2).toString(), 'PK');
  await t.ctx.close();

  // A system administrator exports masked lists only.
  const a = await newTablet();
  await signIn(a.page, 'demo_admin', 'Demo2026pass');
  await a.page.waitForURL(/\/staff/);
  await a.page.goto(`${BASE}/staff/rosters`);
  await hydrated(a.page);
  await a.page.locator('#roster-masked').waitFor();
  assert.equal(await a.page.locator('#roster-unmasked').count(), 0);
  await a.ctx.close();
});
