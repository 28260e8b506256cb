// The policy engine in the browser: the instant estimate follows the income as it is typed
// (computed in the page, no round trip per keystroke), and the assessment recorded with the
// submission says the same. Then an administrator lists parameters, runs a what-if, enters a
// change and withdraws it, enters another, and the security administrator approves it. Example
// parameters for rural Ganzhou: standard 580.00 yuan, marginal line 1.5 × = 870.00 per person.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, validId, hydrated, unlabelled, newPhone, newTablet, fillMember, toStep, register, chooseGanzhouVillage, signIn } from './helpers.mjs';

const household = (page) => page.locator('#estimate .household-categories');

// The application the resident submits in the first test; the caseworker verifies it later.
let submitted;

async function householdIs(page, codes) {
  await page.locator(`#estimate .household-categories[data-household="${codes}"]`).waitFor({ timeout: 10000 });
}

test('the estimate follows the typed income and matches the recorded assessment', async () => {
  const phone = `137${String(Date.now()).slice(-8)}`;
  const { ctx, page } = await newPhone();
  await register(ctx, page, phone, 'Secret-1234');
  await chooseGanzhouVillage(page);
  await page.fill('#address', '五组3号');
  await page.selectOption('#residence', 'rural');
  await page.fill('#contact-phone', phone);
  await toStep(page, 'members');
  await fillMember(page, 0, { name: '王大山', id: validId('62070219700505011') });
  await page.click('#add-member');
  await fillMember(page, 1, { relation: 'spouse', name: '赵小梅', id: validId('62070219720606022') });

  // The estimate is one line until opened.
  await toStep(page, 'money');
  assert.equal(await page.$eval('#estimate', (d) => d.open), false);
  assert.ok((await page.locator('#estimate').boundingBox()).height < 80, 'one line');
  await page.click('#estimate summary');
  // No income typed yet: nothing is claimed, Dibao stays open until income is known.
  await page.locator('#estimate .member-categories li[data-member="0"]').waitFor();
  await householdIs(page, '');
  assert.match(await page.getAttribute('#estimate li[data-member="0"]', 'data-possible'), /dibao/);

  // Every keystroke recomputes in the page: count the requests while typing.
  let requests = 0;
  page.on('request', (r) => { if (r.url().includes('/api/policy/')) requests += 1; });
  await page.fill('#income-wages', '900');          // 450.00 each, below 580.00
  await householdIs(page, 'dibao');
  assert.match(await household(page).textContent(), /低保对象/);
  await page.locator('#estimate li[data-entitlement="basic_living"]').waitFor();
  await page.fill('#income-wages', '2000');         // 1000.00 each, above 870.00
  await householdIs(page, '');
  await page.fill('#income-wages', '1500');         // 750.00 each, below 870.00
  await householdIs(page, 'dibao_marginal');
  assert.equal(requests, 0, 'the estimate needs no server round trip');
  // The cliff view: 870.00 × 2 − 0.01 − 1500.00 = 239.99 yuan more keeps the category.
  assert.equal(await page.getAttribute('#estimate li[data-cliff="dibao_marginal"]', 'data-headroom'), '23999');
  assert.match(await page.textContent('#estimate'), /估算，不是审核决定/);
  const estimated = await page.$$eval('#estimate li[data-member]', (els) => els.map((e) => e.dataset.categories));
  assert.deepEqual(estimated, ['dibao_marginal', 'dibao_marginal']);
  assert.deepEqual(await unlabelled(page), []);
  await page.screenshot({ path: `${OUT}estimate-360.png`, fullPage: true });

  await toStep(page, 'needs');
  await page.check('#help-basic_living');
  await page.check('#consent-verification');
  await toStep(page, 'review');
  await page.click('#submit-declaration');
  const number = (await page.locator('#application-number').textContent()).trim();
  submitted = number;
  await page.goto(`${BASE}/applications/${number}`);
  await hydrated(page);
  await page.locator('#assessment .household-categories[data-household="dibao_marginal"]').waitFor();
  const recorded = await page.$$eval('#assessment li[data-member]', (els) => els.map((e) => e.dataset.categories));
  assert.deepEqual(recorded, estimated, 'the stored assessment says what the estimate said');
  // The explanation names the parameter, its date and example label, and the clause.
  await page.click('#assessment details.explanation summary');
  const trace = await page.textContent('#assessment .verdicts');
  assert.match(trace, /低保标准 580\.00 元\/人·月/);
  assert.match(trace, /2026-01-01/);
  assert.match(trace, /示例值/);
  assert.match(trace, /张政办发〔2023〕128号/);
  await page.screenshot({ path: `${OUT}assessment-360.png`, fullPage: true });
  await page.click('#lang-switch');
  await page.locator('#assessment', { hasText: 'Dibao-marginal household' }).waitFor();
  await ctx.close();
});

test('an administrator runs a what-if and enters changes; the security administrator approves one', async () => {
  const { ctx, page } = await newTablet();
  await signIn(page, 'demo_admin', 'Demo2026pass');
  await page.waitForURL(/\/staff/);
  await page.goto(`${BASE}/staff/policy`);
  await hydrated(page);
  await page.locator('#param-table tr[data-param="dibao_standard"]').first().waitFor();
  assert.match(await page.textContent('#param-table'), /示例值/);
  assert.deepEqual(await unlabelled(page), []);

  // A what-if: a rural standard of 100.00 for Ganzhou moves the seeded demo household.
  await page.selectOption('#param-key', 'dibao_standard');
  await page.fill('#param-region', '620702');
  await page.selectOption('#param-residence', 'rural');
  await page.fill('#param-value', '100');
  await page.click('#param-what-if');
  await page.locator('#what-if-report').waitFor();
  assert.ok(Number(await page.textContent('#what-if-changed')) >= 1);
  await page.locator('#what-if-report tr[data-category="dibao"]').waitFor();

  // Out of bounds is refused at the field, in Chinese.
  await page.selectOption('#param-key', 'taper_months');
  await page.fill('#param-value', '7');
  await page.fill('#param-source', '测试文件第1条');
  await page.click('#param-save');
  await page.locator('#param-value-error', { hasText: '超出允许范围' }).waitFor();

  // Enter a change for a later year: it waits for the security administrator's approval.
  // Withdraw it; enter another.
  await page.selectOption('#param-key', 'dibao_standard');
  await page.fill('#param-value', '600');
  await page.fill('#param-from', '2099-01-01');
  await page.click('#param-save');
  await page.locator('.banner.ok', { hasText: '安全管理员审核' }).waitFor();
  const row = page.locator('#param-table tr[data-status="pending"]');
  await row.waitFor();
  assert.match(await row.textContent(), /600/);
  assert.match(await row.textContent(), /待审核/);
  await page.screenshot({ path: `${OUT}policy-1024.png`, fullPage: true });
  await row.locator('button').click();
  await page.locator('#param-table tr[data-status="withdrawn"]').waitFor();
  await page.fill('#param-value', '610');
  await page.click('#param-save');
  await page.locator('#param-table tr[data-status="pending"]').waitFor();
  await ctx.close();

  // The security administrator approves it: from then on it is scheduled (applies in 2099).
  const sec = await newTablet();
  await signIn(sec.page, 'demo_security', 'Demo2026pass');
  await sec.page.waitForURL(/\/staff/);
  await sec.page.click('#approvals-link');
  await sec.page.locator('#approval-intro').waitFor();
  await hydrated(sec.page);
  const pending = sec.page.locator('#param-table tr[data-status="pending"]');
  assert.match(await pending.textContent(), /610/);
  assert.equal(await sec.page.locator('#param-save').count(), 0, 'the security administrator enters no values');
  assert.deepEqual(await unlabelled(sec.page), []);
  await sec.page.screenshot({ path: `${OUT}policy-approval-1024.png`, fullPage: true });
  await pending.locator('button[data-approve]').click();
  const scheduled = sec.page.locator('#param-table tr[data-status="scheduled"]');
  await scheduled.waitFor();
  assert.match(await scheduled.textContent(), /610/);
  await sec.ctx.close();
});

test('a caseworker records verified facts and the household is reassessed', async () => {
  assert.ok(submitted, 'the first test submitted an application');
  const { ctx, page } = await newTablet();
  await signIn(page, 'demo_caseworker', 'Demo2026pass');
  await page.waitForURL(/\/staff/);
  await page.goto(`${BASE}/applications/${submitted}`);
  await hydrated(page);
  // The form is loaded when its part is opened.
  assert.equal(await page.locator('#verification').count(), 0, 'not built before it is opened');
  await page.click('#verification-open summary');
  await page.locator('#verification').waitFor();
  assert.deepEqual(await unlabelled(page), []);
  await page.selectOption('#v0-supporter', 'yes');
  await page.selectOption('#v-relapse', 'yes');
  await page.click('#v-save');
  // Listed by the rural-revitalisation department: recognised without re-screening.
  await page.locator('#assessment .household-categories[data-household="dibao_marginal,relapse_watch"]').waitFor();
  await page.locator('#events', { hasText: '重新评估' }).waitFor();
  await page.locator('#assessment-history li[data-reason="verification"]').waitFor();
  // Staff see the case, not the resident's own buttons.
  assert.equal(await page.locator('#withdraw, #charity-toggle').count(), 0);
  await page.screenshot({ path: `${OUT}verification-1024.png`, fullPage: true });
  await ctx.close();
});
