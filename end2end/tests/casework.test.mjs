// A caseworker takes a resident's submission through the review: the queue, 受理, a request for
// more information that the resident answers, the home visit, the decision as the assessment
// proposes it, and the public notice (公示) — while the resident sees each step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, validId, hydrated, unlabelled, newPhone, newTablet, fillMember, register, chooseGanzhouVillage, signIn } from './helpers.mjs';

test('a submission is accepted, completed, visited, decided and publicly noticed', async () => {
  // The resident submits a two-person household with 900.00 yuan a month.
  const phone = `136${String(Date.now()).slice(-8)}`;
  const resident = await newPhone();
  const r = resident.page;
  await register(resident.ctx, r, phone, 'secret123');
  await chooseGanzhouVillage(r);
  await r.fill('#address', '七组8号');
  await r.selectOption('#residence', 'rural');
  await r.fill('#contact-phone', phone);
  await fillMember(r, 0, { name: '刘春生', id: validId('62070219680808031') });
  await r.click('#add-member');
  await fillMember(r, 1, { relation: 'spouse', name: '陈桂芳', id: validId('62070219690909042') });
  await r.fill('#income-wages', '900');
  await r.check('#help-basic_living');
  await r.check('#consent-verification');
  await r.click('#submit-declaration');
  const number = (await r.locator('#application-number').textContent()).trim();

  // The caseworker finds it in the queue and opens it.
  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  await c.goto(`${BASE}/staff/queue`);
  await hydrated(c);
  await c.locator(`#queue tr[data-number="${number}"]`).waitFor();
  assert.deepEqual(await unlabelled(c), []);
  await c.screenshot({ path: `${OUT}queue-1024.png`, fullPage: true });
  await c.click(`#queue tr[data-number="${number}"] a`);
  await c.waitForURL(`${BASE}/applications/${number}`);
  await c.locator('#case-actions').waitFor();
  // The full ID number only on request (logged on the server).
  assert.doesNotMatch(await c.textContent('table.members'), /620702196808080031|62070219680808031/);
  await c.click('#unmask-0');
  await c.locator('table.members .unmasked', { hasText: '62070219680808031' }).waitFor();

  // 受理, then ask for a document.
  await c.click('#case-accept');
  await c.locator('#status-badge', { hasText: '已受理' }).waitFor();
  await c.fill('#case-question', '请补充户主的务工收入证明');
  await c.click('#case-ask');
  await c.locator('#status-badge', { hasText: '待补充材料' }).waitFor();

  // The resident sees the request and answers it.
  await r.goto(`${BASE}/applications/${number}`);
  await hydrated(r);
  await r.locator('#info-request', { hasText: '务工收入证明' }).waitFor();
  await r.fill('#info-answer', '已上传村委会出具的收入证明');
  await r.click('#info-request button[type=submit]');
  await r.locator('#status-badge', { hasText: '已受理' }).waitFor();

  // Home visit, then the decision as proposed: Dibao, 2 × 580.00 − 900.00 = 260.00 a month.
  await c.reload();
  await hydrated(c);
  await c.click('#case-visit');
  await c.locator('#status-badge', { hasText: '入户调查' }).waitFor();
  await c.locator('#decision-form').waitFor();
  assert.equal(await c.inputValue('#decision-amount'), '260.00');
  await c.fill('#decision-amount', '250');
  await c.click('#decision-submit');
  await c.locator('#decision-reason-error', { hasText: /\S/ }).waitFor();
  await c.fill('#decision-reason', '入户核实另有少量农产品收入');
  await c.click('#decision-submit');
  await c.locator('#status-badge', { hasText: '公示' }).waitFor();
  await c.locator('#case-decision', { hasText: '250.00' }).waitFor();
  await c.screenshot({ path: `${OUT}case-1024.png`, fullPage: true });

  // The resident sees the notice step; the public notice shows only the surname and the village.
  await r.reload();
  await hydrated(r);
  await r.locator('#timeline li.current', { hasText: '公示' }).waitFor();
  await r.goto(`${BASE}/notice`);
  await hydrated(r);
  const notice = await r.textContent('#notices');
  assert.match(notice, /刘\*\*/);
  assert.match(notice, /250\.00/);
  assert.doesNotMatch(notice, /刘春生|620702196808/);

  // The result is confirmed only after the notice: move the demo clock past its last day.
  await c.reload();
  await hydrated(c);
  await c.click('#case-finalize');
  await c.locator('#case-actions .banner.error', { hasText: '公示期尚未结束' }).waitFor();
  const clock = await c.request.post(`${BASE}/dev/clock`, { form: { days: '8' } });
  assert.equal(clock.status(), 200);
  try {
    await c.click('#case-finalize');
    await c.locator('#status-badge', { hasText: '已批准' }).waitFor();
    await r.goto(`${BASE}/applications/${number}`);
    await hydrated(r);
    await r.locator('#timeline li.done', { hasText: '已批准' }).waitFor();
    await r.screenshot({ path: `${OUT}result-360.png`, fullPage: true });
  } finally {
    await c.request.post(`${BASE}/dev/clock`, { form: { days: '0' } });
  }
  await staff.ctx.close();
  await resident.ctx.close();
});
