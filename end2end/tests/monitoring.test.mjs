// Medical insurance uploads a GBK CSV (as Chinese Excel saves it); the demo household's
// out-of-pocket spending raises a warning with a visit deadline; the caseworker takes it,
// records the visit, disposes of it and closes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, validId, hydrated, unlabelled, newTablet, signIn } from './helpers.mjs';

// "姓名,身份证号,结算日期,医疗总费用,个人自付\r\n" and "张演示" in GBK; the rest is ASCII.
const HEADER = Buffer.from('d0d5c3fb2cc9edb7ddd6a4bac52cbde1cbe3c8d5c6da2cd2bdc1c6d7dcb7d1d3c32cb8f6c8cbd7d4b8b60d0a', 'hex');
const NAME = Buffer.from('d5c5d1ddcabe', 'hex');

function daysAgo(n) {
  const d = new Date(Date.now() + 8 * 3600e3 - n * 86400e3);
  return d.toISOString().slice(0, 10);
}

test('a GBK file from medical insurance raises a warning that a caseworker handles to the end', async () => {
  const head = validId('62070219650315001'); // the demo household's head
  const row = (days, total, own) => Buffer.concat([NAME, Buffer.from(`,${head},${daysAgo(days)},${total},${own}\r\n`)]);
  const file = Buffer.concat([HEADER, row(20, 30000, 16000), row(90, 12000, 7000), Buffer.concat([NAME, Buffer.from(',123,2026-01-01,1,1\r\n')])]);

  const dept = await newTablet();
  const d = dept.page;
  await signIn(d, 'demo_department', 'Demo2026pass');
  await d.waitForURL(/\/staff/);
  await d.click('#imports-link');
  await d.waitForURL(`${BASE}/staff/imports`);
  await hydrated(d);
  await d.selectOption('#import-encoding', 'auto');
  await d.setInputFiles('#import-file', { name: '医保结算.csv', mimeType: 'text/csv', buffer: file });
  assert.deepEqual(await unlabelled(d), []);
  await d.click('#import-run');
  await d.locator('#import-report').waitFor();
  const report = await d.textContent('#import-report');
  assert.match(report, /gb18030/i);
  assert.match(await d.textContent('#import-problems'), /第 4/);
  // The report downloads as XLSX, and the import is listed.
  const xlsx = await d.request.get(BASE + await d.getAttribute('#import-report-xlsx', 'href'));
  assert.equal(xlsx.status(), 200);
  assert.equal(xlsx.headers()['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  await d.locator('#past-imports', { hasText: '医保结算.csv' }).waitFor();
  await d.screenshot({ path: `${OUT}import-1024.png`, fullPage: true });
  await dept.ctx.close();

  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  await c.click('#warnings-link');
  await c.waitForURL(`${BASE}/staff/warnings`);
  await hydrated(c);
  const card = c.locator('#warnings article[data-kind="medical_out_of_pocket"][data-status="new"]', { hasText: '张演示' });
  await card.waitFor();
  const text = await card.textContent();
  assert.match(text, /23000\.00/);
  assert.match(text, /入户核查期限/);
  assert.deepEqual(await unlabelled(c), []);
  await c.screenshot({ path: `${OUT}warnings-1024.png`, fullPage: true });
  await card.locator('.warning-assign').click();
  const assigned = c.locator('#warnings article[data-kind="medical_out_of_pocket"][data-status="assigned"]', { hasText: '张演示' });
  await assigned.waitFor();
  await assigned.locator('select[id$="-finding"]').selectOption('confirmed');
  await assigned.locator('textarea').fill('户主住院两次，自付费用高，生活困难');
  await assigned.locator('.warning-visit').click();
  const visited = c.locator('#warnings article[data-kind="medical_out_of_pocket"][data-status="visited"]', { hasText: '张演示' });
  await visited.waitFor();
  await visited.locator('select[id$="-disposal"]').selectOption('no_action');
  await visited.locator('.warning-dispose').click();
  await visited.locator('.field-error', { hasText: /\S/ }).waitFor();
  await visited.locator('select[id$="-disposal"]').selectOption('referral');
  await visited.locator('textarea').fill('推送医保核定医疗救助');
  await visited.locator('.warning-dispose').click();
  const disposed = c.locator('#warnings article[data-kind="medical_out_of_pocket"][data-status="disposed"]', { hasText: '张演示' });
  await disposed.waitFor();
  await disposed.locator('.warning-close').click();
  await c.locator('#warnings article[data-kind="medical_out_of_pocket"][data-status="closed"]', { hasText: '张演示' }).waitFor();
  await c.locator('#on-time', { hasText: '100%' }).waitFor();
  await staff.ctx.close();
});

test('an administrator confirms an example warning rule on a tablet', async () => {
  const admin = await newTablet();
  const p = admin.page;
  await signIn(p, 'demo_admin', 'Demo2026pass');
  await p.waitForURL(/\/staff/);
  await p.click('#rules-link');
  await p.waitForURL(`${BASE}/staff/rules`);
  await hydrated(p);
  const rule = p.locator('form[data-rule="severe_disability"]');
  await rule.waitFor();
  assert.match(await rule.textContent(), /示例/);
  assert.deepEqual(await unlabelled(p), []);
  await rule.locator('input[id$="-visit_days"]').fill('0');
  await rule.locator('button[type="submit"]').click();
  await rule.locator('.field-error', { hasText: /\S/ }).waitFor();
  await rule.locator('input[id$="-visit_days"]').fill('10');
  await rule.locator('select[id$="-level"]').selectOption('I');
  await rule.locator('button[type="submit"]').click();
  // Saved: the rule is the administrator's now, no longer an example.
  await p.locator('form[data-rule="severe_disability"]:not(:has(.example))').waitFor();
  assert.equal(await p.locator('form[data-rule="severe_disability"] input[id$="-visit_days"]').inputValue(), '10');
  await p.screenshot({ path: `${OUT}rules-1024.png`, fullPage: true });
  await admin.ctx.close();
});
