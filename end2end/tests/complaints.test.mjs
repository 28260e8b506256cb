// 投诉举报 in the browser (issue 22): an anonymous report filed on a 360 px phone with plain
// forms to choose the place and the form's own question, followed with its tracking number and
// code; the county's caseworker takes it on a 1024 px tablet, notes and answers it; the filer
// reads the answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, hydrated, unlabelled, newPhone, newTablet, signIn } from './helpers.mjs';

async function choose(page, label) {
  await page.selectOption('#region', { label });
  await Promise.all([page.waitForNavigation(), page.click('form.region-pick button[type=submit]')]);
}

test('an anonymous report is filed at 360 px, handled at 1024 px, and its answer read', async () => {
  const { ctx, page } = await newPhone();
  await page.goto(`${BASE}/`);
  await Promise.all([page.waitForNavigation(), page.click('#home-complaints')]);
  assert.ok(await page.locator('#choose-place-first').isVisible(), 'the place comes first');
  await choose(page, '甘肃省');
  await choose(page, '张掖市');
  await choose(page, '甘州区');
  await hydrated(page);
  assert.deepEqual(await unlabelled(page), []);
  await page.selectOption('#complaint-kind', 'fraud');
  await page.fill('#complaint-body', '五号村有人开着新车还领低保。');
  // A wrong answer is named at its field; the question is then asked again by a new page.
  const [a, b] = (await page.locator('label[for=complaint-answer]').textContent()).match(/(\d+) \+ (\d+)/).slice(1).map(Number);
  await page.fill('#complaint-answer', String(a + b + 1));
  await page.click('#complaint-submit');
  await page.locator('#complaint-answer-error:not(:empty)').waitFor();
  await page.reload();
  await hydrated(page);
  await page.selectOption('#complaint-kind', 'fraud');
  await page.fill('#complaint-body', '五号村有人开着新车还领低保。');
  const [c, d] = (await page.locator('label[for=complaint-answer]').textContent()).match(/(\d+) \+ (\d+)/).slice(1).map(Number);
  await page.fill('#complaint-answer', String(c + d));
  await page.click('#complaint-submit');
  await page.locator('#complaint-filed').waitFor();
  const tracking = (await page.locator('#filed-tracking').textContent()).trim();
  const code = (await page.locator('#filed-code').textContent()).trim();
  assert.match(tracking, /^TS[2-9A-Z]{10}$/);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true);
  await page.screenshot({ path: `${OUT}complaint-filed-360.png`, fullPage: true });

  async function tracked() {
    await page.goto(`${BASE}/complaints/track`);
    await hydrated(page);
    await page.fill('#track-number', tracking);
    await page.fill('#track-code', code);
    await page.click('#track-submit');
    await page.locator('#tracked').waitFor();
    return (await page.locator('#tracked').textContent());
  }
  assert.match(await tracked(), /已受理/);

  // The county's caseworker on a tablet: the queue, the case, take it, note, answer.
  const staff = await newTablet();
  await signIn(staff.page, 'demo_caseworker', 'Demo2026pass');
  await staff.page.waitForURL(/\/staff/);
  await staff.page.goto(`${BASE}/staff/complaints`);
  await hydrated(staff.page);
  await staff.page.click(`tr[data-complaint="${tracking}"] button`);
  await staff.page.locator('#complaint-take').click();
  await staff.page.locator('#complaint-answer-form').waitFor();
  assert.equal((await staff.page.locator('#complaint-filer').textContent()).trim(), '匿名');
  await staff.page.fill('#complaint-note', '已入户核查，车辆为亲属所有。');
  await staff.page.click('#complaint-note-form button[type=submit]');
  await staff.page.locator('.steps li:has-text("车辆为亲属所有")').waitFor();
  await staff.page.selectOption('#complaint-outcome', 'unfounded');
  await staff.page.fill('#complaint-reply', '经核查，车辆登记在亲属名下，该户符合条件。感谢监督。');
  await staff.page.click('#complaint-answer');
  await staff.page.locator('#complaint-take, #complaint-answer-form').first().waitFor({ state: 'detached' }).catch(() => {});
  await staff.page.screenshot({ path: `${OUT}complaint-handled-1024.png`, fullPage: true });
  await staff.ctx.close();

  const answered = await tracked();
  assert.match(answered, /已答复/);
  assert.match(answered, /经核查不属实/);
  assert.match(await page.locator('#tracked-reply').textContent(), /感谢监督/);
  assert.doesNotMatch(answered, /亲属所有/, 'the handler\'s notes are not shown to the filer');
  await ctx.close();
});
