// The declaration on a phone: a few short steps, errors listed at the top with the cursor on the
// first, every invalid field marked for screen readers, a review page, and what happens next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, validId, hydrated, newPhone, fillMember, register, chooseGanzhouVillage, toStep } from './helpers.mjs';

const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
const visible = (page, sel) => page.locator(sel).isVisible();

// The field is marked invalid and its message is what a screen reader reads with it.
async function describedError(page, id) {
  assert.equal(await page.getAttribute(`#${id}`, 'aria-invalid'), 'true', `${id} is marked invalid`);
  const ids = (await page.getAttribute(`#${id}`, 'aria-describedby')).split(/\s+/);
  const texts = await Promise.all(ids.map((d) => page.locator(`#${d}`).textContent()));
  const text = texts.join(' ').trim();
  assert.ok(text.length > 0, `${id} is described by its message`);
  return text;
}

test('the declaration goes step by step, stops at the first error, and is reviewed before submitting', async () => {
  const phone = `135${String(Date.now()).slice(-8)}`;
  const { ctx, page } = await newPhone();
  await register(ctx, page, phone, 'Steps-2026-ok');

  // One step at a time: the household first, the rest hidden.
  assert.equal(await visible(page, '#panel-household'), true);
  for (const s of ['members', 'money', 'needs', 'review']) assert.equal(await visible(page, `#panel-${s}`), false, s);
  assert.equal(await page.getAttribute('#step-household', 'aria-current'), 'step');
  // The page is a few screens, not ten.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height < 740 * 4, `the first step is ${height} px tall`);

  // 下一步 with nothing typed: the errors are listed at the top, the cursor is on the first.
  await page.click('#step-next');
  await page.locator('#error-summary').waitFor();
  assert.equal(await visible(page, '#panel-household'), true, 'still on the first step');
  const listed = await page.locator('#error-summary li').allTextContents();
  assert.ok(listed.some((t) => t.startsWith('所在地区')), `the region is listed: ${listed}`);
  assert.ok(listed.some((t) => t.startsWith('详细地址')), `the address is listed: ${listed}`);
  assert.ok(!listed.some((t) => t.startsWith('成员')), `only this step's errors: ${listed}`);
  await page.waitForFunction(() => document.activeElement?.id === 'region-0');
  assert.match(await describedError(page, 'address'), /请填写|必填/);

  // A link in the list takes the cursor to its field.
  await page.locator('#error-summary a', { hasText: '详细地址' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'address');

  // Fixed, the list follows and 下一步 goes on (and saves the draft).
  await chooseGanzhouVillage(page);
  await page.fill('#address', '六组9号');
  await page.selectOption('#residence', 'rural');
  await page.fill('#contact-phone', phone);
  await page.click('#step-next');
  await page.locator('#panel-members').waitFor();
  assert.equal(await visible(page, '#error-summary'), false);
  await page.waitForFunction(() => document.activeElement?.closest('#panel-members') !== null);
  await page.locator('#save-state', { hasText: '草稿已保存' }).waitFor();

  // A member's mistyped ID number: the cursor goes to it, and it is marked invalid.
  const head = validId('62070219750707013');
  const wrong = head.slice(0, 17) + (head[17] === '1' ? '2' : '1');
  await fillMember(page, 0, { name: '孙海', id: wrong });
  await page.click('#step-next');
  await page.waitForFunction(() => document.activeElement?.id === 'm0-id_number');
  assert.match(await describedError(page, 'm0-id_number'), /校验位/);
  assert.match(await page.locator('#error-summary').textContent(), /成员 1 身份证号/);
  await page.fill('#m0-id_number', head);
  await page.click('#step-next');
  await page.locator('#panel-money').waitFor();

  // The estimate is one line until opened.
  assert.equal(await page.$eval('#estimate', (d) => d.open), false);
  await page.fill('#income-wages', '800');
  await page.click('#step-next');
  await page.locator('#panel-needs').waitFor();
  await page.check('#help-basic_living');

  // Jumping to the review without the consent: submitting goes back to it, cursor on it.
  await toStep(page, 'review');
  const review = await page.locator('#review').textContent();
  assert.ok(review.includes('六组9号'), 'the review shows the address');
  assert.ok(review.includes('孙海'), 'the review shows the members');
  assert.ok(review.includes('800 元'), 'the review shows the income');
  await page.locator('#review', { hasText: '甘州区' }).waitFor();
  await page.screenshot({ path: `${OUT}declare-review-360.png`, fullPage: true });
  await page.click('#submit-declaration');
  await page.locator('#panel-needs').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'consent-verification');
  assert.match(await page.locator('#error-summary').textContent(), /授权与同意/);
  await page.check('#consent-verification');

  // Submitted: what happens next, with the cursor on it.
  await toStep(page, 'review');
  await page.click('#submit-declaration');
  await page.locator('#application-number').waitFor();
  await page.waitForFunction(() => document.activeElement?.closest('#submitted') !== null);
  const next = await page.locator('#next-steps').textContent();
  assert.match(next, /联系电话/);
  assert.match(next, /公示/);
  // How long, from the dated parameter in force in Ganzhou (an example value, and labelled so).
  await page.locator('#next-time', { hasText: '30 个工作日' }).waitFor();
  assert.match(await page.locator('#next-time').textContent(), /示例值/);
  await page.screenshot({ path: `${OUT}declare-submitted-360.png`, fullPage: true });
  await ctx.close();
});
