// 基层上报 in the browser (issue 22): the demo grid worker reports a household on a 360 px phone
// (the form's errors at their fields, a photo added), the county's caseworker opens the lead on a
// 1024 px tablet, records the household's consent and fills in its application on its behalf;
// the lead is then converted and the grid worker sees it so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, PNG, validId, hydrated, unlabelled, newPhone, newTablet, signIn, fillMember, toStep } from './helpers.mjs';

test('a grid worker reports at 360 px and a caseworker applies on the household\'s behalf at 1024 px', async () => {
  const suffix = String(Date.now() % 10000).padStart(4, '0');
  const n = Date.now();
  const head = validId(`62070219550${1 + (n % 9)}${String(1 + (n % 28)).padStart(2, '0')}${String(n % 1000).padStart(3, '0')}`);
  const phone = `1390${String(Date.now() % 10000000).padStart(7, '0')}`;
  // A name of its own each run (a name is written in characters, not digits).
  const who = `王${[...suffix].map((d) => '零一二三四五六七八九'[d]).join('')}`;

  const grid = await newPhone();
  await signIn(grid.page, 'demo_grid', 'Demo2026pass');
  await grid.page.waitForURL(/\/staff/);
  await grid.page.locator('#reports-link').click();
  await grid.page.waitForURL(/\/staff\/reports/);
  await hydrated(grid.page);
  assert.deepEqual(await unlabelled(grid.page), []);
  // Nothing typed: what is missing is said at its field.
  await grid.page.click('#report-send');
  await grid.page.locator('#report-seen-error:not(:empty)').waitFor();
  assert.notEqual((await grid.page.textContent('#report-who-error')).trim(), '');
  await grid.page.fill('#report-seen', '独居老人，冬天没有取暖，屋顶漏雨。');
  await grid.page.fill('#report-who', who);
  await grid.page.fill('#report-address', '迎恩村三组12号');
  await grid.page.fill('#report-phone', phone);
  await grid.page.fill('#report-ids', head);
  await grid.page.click('#report-send');
  await grid.page.locator('#report-made').waitFor();
  await grid.page.setInputFiles('#report-photo', { name: '屋顶.png', mimeType: 'image/png', buffer: PNG });
  await grid.page.click('#report-photo-upload');
  await grid.page.locator('#photo-added').waitFor();
  assert.equal(await grid.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true,
    'nothing wider than the phone');
  await grid.page.locator('#my-reports li[data-state=open]', { hasText: who }).waitFor();
  await grid.page.screenshot({ path: `${OUT}grid-report-360.png`, fullPage: true });

  // The county's caseworker on a tablet.
  const staff = await newTablet();
  await signIn(staff.page, 'demo_caseworker', 'Demo2026pass');
  await staff.page.waitForURL(/\/staff/);
  await staff.page.locator('#leads-link').click();
  await staff.page.waitForURL(/\/staff\/leads/);
  await hydrated(staff.page);
  await staff.page.locator('#lead-queue tr', { hasText: who }).locator('button').click();
  await staff.page.locator('#lead-seen', { hasText: '屋顶漏雨' }).waitFor();
  assert.equal(await staff.page.locator('#lead-files li').count(), 1);
  assert.deepEqual(await unlabelled(staff.page), []);
  await staff.page.fill('#consent-by', who);
  await staff.page.selectOption('#consent-form', 'signed_form');
  assert.equal(await staff.page.inputValue('#consent-phone'), phone, 'the reported phone, to check');
  await staff.page.click('#consent-save');
  await staff.page.locator('#lead-declare').click();
  await staff.page.waitForURL(/\/staff\/leads\/.+\/declare/);
  await hydrated(staff.page);
  await staff.page.waitForSelector('form.declaration');
  // Begun from the report.
  assert.equal(await staff.page.inputValue('#address'), '迎恩村三组12号');
  await staff.page.selectOption('#residence', 'rural');
  await toStep(staff.page, 'members');
  assert.equal(await staff.page.inputValue('#m0-name'), who);
  assert.equal(await staff.page.inputValue('#m0-id_number'), head);
  await fillMember(staff.page, 0, { name: who, id: head });
  await toStep(staff.page, 'money');
  await staff.page.fill('#income-wages', '300');
  await toStep(staff.page, 'needs');
  await staff.page.check('#help-basic_living');
  await staff.page.check('#consent-verification');
  assert.ok(await staff.page.locator('#proxy-files-note').isVisible(), 'no upload into the household\'s draft');
  await toStep(staff.page, 'review');
  await staff.page.click('#submit-declaration');
  const number = (await staff.page.locator('#application-number').textContent()).trim();
  assert.match(number, /^SQ-\d{4}-\d{6}$/);
  await staff.page.locator('#proxy-made').waitFor();
  assert.equal(await staff.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('doudi.draft')).length), 0,
    'the household\'s declaration is not kept on the caseworker\'s device');
  await staff.page.screenshot({ path: `${OUT}lead-proxy-1024.png`, fullPage: true });
  // The application's page says it was made on the household's behalf, and from whose report.
  await staff.page.click('#submitted a');
  await staff.page.waitForURL(`${BASE}/applications/${number}`);
  await staff.page.locator('#case-made-for', { hasText: '网格员' }).waitFor();
  await staff.page.goto(`${BASE}/staff/leads`);
  await hydrated(staff.page);
  await staff.page.check('#leads-done');
  await staff.page.locator('#lead-queue tr', { hasText: who }).filter({ hasText: number }).waitFor();
  await staff.ctx.close();

  await grid.page.reload();
  await hydrated(grid.page);
  await grid.page.locator('#my-reports li[data-state=converted]', { hasText: who }).waitFor();
  await grid.ctx.close();
});
