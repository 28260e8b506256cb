// A caseworker takes a resident's submission through the review: the queue, 受理, a request for
// more information that the resident answers, the home visit, the decision as the assessment
// proposes it, and the public notice (公示) — while the resident sees each step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, PNG, validId, hydrated, unlabelled, newPhone, newTablet, fillMember, toStep, register, chooseGanzhouVillage, signIn, loadedWasm } from './helpers.mjs';

// A finger signature: a stroke across the pad.
async function sign(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  await page.mouse.move(box.x + 20, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + 120, box.y + 60, { steps: 5 });
  await page.mouse.move(box.x + 220, box.y + 30, { steps: 5 });
  await page.mouse.up();
}

test('a submission is accepted, completed, visited, decided and publicly noticed', async () => {
  // The resident submits a two-person household with 900.00 yuan a month.
  const phone = `136${String(Date.now()).slice(-8)}`;
  const resident = await newPhone();
  const r = resident.page;
  await register(resident.ctx, r, phone, 'Secret-1234');
  await chooseGanzhouVillage(r);
  await r.fill('#address', '七组8号');
  await r.selectOption('#residence', 'rural');
  await r.fill('#contact-phone', phone);
  await toStep(r, 'members');
  await fillMember(r, 0, { name: '刘春生', id: validId('62070219680808031') });
  await r.click('#add-member');
  await fillMember(r, 1, { relation: 'spouse', name: '陈桂芳', id: validId('62070219690909042') });
  await toStep(r, 'money');
  await r.fill('#income-wages', '900');
  await toStep(r, 'needs');
  await r.check('#help-basic_living');
  await r.check('#consent-verification');
  await toStep(r, 'review');
  await r.click('#submit-declaration');
  const number = (await r.locator('#application-number').textContent()).trim();

  // The caseworker finds it in the queue and opens it.
  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  // The workbench names the caseworker's region (not 620702000000).
  await c.locator('#staff-region-name', { hasText: '甘州区' }).waitFor();
  await c.goto(`${BASE}/staff/queue`);
  await hydrated(c);
  // Staff pages run on the whole application's WASM.
  const wasm = await loadedWasm(c);
  assert.ok(wasm.includes('/pkg/doudi.wasm') && !wasm.includes('/pkg/portal/doudi-portal.wasm'), `whole application's WASM: ${wasm}`);
  // The queue's own code comes in one file, not one per shared chunk (scripts/bundle-chunks.mjs).
  assert.deepEqual(wasm.filter((p) => p !== '/pkg/doudi.wasm').map((p) => p.replace(/_\d+\.wasm$/, '')),
    ['/pkg/bundle___queue_route_view'], `the queue page's WASM files: ${wasm}`);
  await c.locator(`#queue tr[data-number="${number}"]`).waitFor();
  assert.deepEqual(await unlabelled(c), []);
  // The area is picked by name from the tree below the caseworker's own county, not typed as a
  // code: the resident's township (the first), then its first village, still find the case.
  await c.waitForSelector('#q-area-3 option:nth-child(2)', { state: 'attached' });
  const township = (await c.$eval('#q-area-3 option:nth-child(2)', (o) => o.textContent)).trim();
  assert.doesNotMatch(township, /^\d+$/, 'a name, not a code');
  await c.selectOption('#q-area-3', { label: township });
  await c.waitForSelector('#q-area-4 option:nth-child(2)', { state: 'attached' });
  await c.selectOption('#q-area-4', { index: 1 });
  await c.click('#q-search');
  await c.locator(`#queue tr[data-number="${number}"]`).waitFor();
  await c.screenshot({ path: `${OUT}queue-1024.png`, fullPage: true });
  await c.click(`#queue tr[data-number="${number}"] a`);
  await c.waitForURL(`${BASE}/applications/${number}`);
  await c.locator('#case-actions').waitFor();
  // The full ID number only on request (logged on the server).
  assert.doesNotMatch(await c.textContent('table.members'), /620702196808080031|62070219680808031/);
  await c.click('#unmask-0');
  await c.locator('table.members .unmasked', { hasText: '62070219680808031' }).waitFor();
  // What was declared, to phone the household and prepare the visit: address, phone, income.
  await c.locator('#declared-address', { hasText: '七组8号' }).waitFor();
  assert.equal((await c.textContent('#declared-phone')).trim(), phone);
  assert.equal(await c.getAttribute('#declared-phone', 'href'), `tel:${phone}`);
  await c.locator('#declared-income tr', { hasText: '900.00' }).first().waitFor();
  // Health and disability are sensitive: shown on request (logged), like the ID number.
  assert.doesNotMatch(await c.textContent('table.members tbody'), /健康|慢性病/);
  await c.click('#unmask-health-0');
  await c.locator('#health-0', { hasText: '健康' }).waitFor();
  await c.screenshot({ path: `${OUT}case-declared-1024.png`, fullPage: true });

  // 受理, then ask for a document.
  await c.click('#case-accept');
  await c.locator('#status-badge', { hasText: '已受理' }).waitFor();
  await c.fill('#case-question', '请补充户主的务工收入证明');
  // Switching the language renders the page again; what was typed and not sent stays.
  await c.click('#lang-switch');
  await c.locator('#status-badge', { hasText: 'Accepted' }).waitFor();
  await hydrated(c);
  assert.equal(await c.inputValue('#case-question'), '请补充户主的务工收入证明');
  await c.click('#lang-switch');
  await c.locator('#status-badge', { hasText: '已受理' }).waitFor();
  await hydrated(c);
  assert.equal(await c.inputValue('#case-question'), '请补充户主的务工收入证明');
  await c.click('#case-ask');
  await c.locator('#status-badge', { hasText: '待补充材料' }).waitFor();

  // The resident sees the request and answers it.
  await r.goto(`${BASE}/applications/${number}`);
  await hydrated(r);
  await r.locator('#info-request', { hasText: '务工收入证明' }).waitFor();
  await r.fill('#info-answer', '已上传村委会出具的收入证明');
  await r.click('#info-request button[type=submit]');
  await r.locator('#status-badge', { hasText: '已受理' }).waitFor();

  // The home visit, recorded on the tablet with the network off and sent once it returns.
  await c.reload();
  await hydrated(c);
  await c.click('#case-visit-form');
  await c.waitForURL(`${BASE}/staff/visit/${number}`);
  await hydrated(c);
  await c.locator('#visits-none').waitFor();
  // The declared address and phone, to arrange and make the visit.
  await c.locator('#declared-address', { hasText: '七组8号' }).waitFor();
  assert.equal((await c.textContent('#declared-phone')).trim(), phone);
  await staff.ctx.setOffline(true);
  await c.fill('#visit-present', '户主刘春生、配偶陈桂芳');
  await c.fill('#visit-housing', '土坯房三间，屋顶漏雨');
  await c.fill('#visit-living', '户主腰伤，仅能零星务工');
  await c.fill('#visit-assets', '无车辆，无大型农机');
  await c.fill('#visit-second', '王晓丽');
  await c.setInputFiles('#visit-photo-input', { name: 'house.png', mimeType: 'image/png', buffer: PNG });
  await c.locator('#visit-form .photos img').first().waitFor();
  await c.click('#visit-save');
  await c.locator('#sign-resident-error', { hasText: '请签名' }).waitFor();
  for (const pad of ['#sign-resident', '#sign-staff', '#sign-second']) await sign(c, pad);
  assert.deepEqual(await unlabelled(c), []);
  await c.click('#visit-save');
  await c.locator('#visit-pending').waitFor();
  assert.equal(await c.inputValue('#visit-housing'), '', 'a fresh form for a further visit');
  await c.screenshot({ path: `${OUT}visit-offline-1024.png`, fullPage: true });
  await staff.ctx.setOffline(false);
  await c.locator('#visit-synced').waitFor();
  await c.locator('#visits .visit', { hasText: '土坯房三间' }).waitFor();
  assert.equal(await c.locator('#visits .visit').count(), 1, 'sent once');
  assert.equal(await c.locator('#visits .visit .signatures img').count(), 3);
  await c.goto(`${BASE}/applications/${number}`);
  await hydrated(c);
  // A resident's page, opened by staff: the whole application, which holds the case actions.
  const staffWasm = await loadedWasm(c);
  assert.ok(staffWasm.includes('/pkg/doudi.wasm'), `staff get the whole application: ${staffWasm}`);
  await c.locator('#status-badge', { hasText: '入户调查' }).waitFor();

  // The decision as proposed: Dibao, 2 × 580.00 − 900.00 = 260.00 a month.
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

  // The household file: basic living aid starts the chain; the missing premium subsidy is
  // flagged and referred to medical insurance, whose answer joins the chain.
  await c.goto(`${BASE}/applications/${number}`);
  await hydrated(c);
  await c.click('#case-household');
  await c.waitForURL(/\/staff\/households\//);
  await hydrated(c);
  // Named by its head and village; the members come first, the forms to act after the record.
  await c.locator('#household-heading', { hasText: '刘春生户' }).waitFor();
  assert.match(await c.title(), /刘春生户/);
  const order = await c.$$eval('main section.card', (els) => els.map((e) => e.id));
  assert.equal(order[0], 'file-members', `members first: ${order}`);
  assert.ok(order.indexOf('file-members') < order.indexOf('chain'));
  assert.ok(await c.locator('#file-members td', { hasText: '陈桂芳' }).count() === 1);
  // The latest declaration on the file: address, phone, incomes.
  await c.locator('#declared-address', { hasText: '七组8号' }).waitFor();
  await c.locator('#declared-income tr', { hasText: '900.00' }).first().waitFor();
  // The assessments say why in words (not "submission").
  assert.doesNotMatch(await c.textContent('#file-assessments'), /submission|verification/);
  await c.locator('#chain-table tr[data-kind="basic_living"]', { hasText: '250.00' }).waitFor();
  await c.locator('#flags .flag', { hasText: '应享未享' }).waitFor();
  // The flag's link opens the referral form (loaded when opened) with the need chosen.
  assert.equal(await c.locator('#referral-form').count(), 0);
  await c.click('#flags .flag-refer');
  assert.equal(await c.inputValue('#referral-need'), 'premium_subsidy');
  await c.fill('#referral-note', '低保户尚未享受参保资助');
  await c.click('#referral-send');
  await c.locator('#referrals li', { hasText: '已推送' }).waitFor();
  // Aid given outside Doudi is recorded in the chain (its form too is loaded when opened).
  await c.click('#aid-open > summary');
  await c.selectOption('#aid-kind', 'education');
  await c.fill('#aid-amount', '300');
  await c.click('#aid-save');
  await c.locator('#chain-table tr[data-kind="education"]', { hasText: '300.00' }).waitFor();
  assert.deepEqual(await unlabelled(c), []);
  await c.screenshot({ path: `${OUT}household-1024.png`, fullPage: true });

  const officer = await newTablet();
  const o = officer.page;
  await signIn(o, 'demo_department', 'Demo2026pass');
  await o.waitForURL(/\/staff/);
  await o.goto(`${BASE}/staff/referrals`);
  await hydrated(o);
  const item = o.locator('#inbox article', { hasText: '刘春生' });
  await item.waitFor();
  assert.doesNotMatch(await item.textContent(), /620702196808080031/);
  await item.locator('textarea').fill('已资助2026年度城乡居民医保个人缴费');
  await item.locator('input[id$="-amount"]').fill('600');
  await item.locator('input[id$="-until"]').fill('2026-12-31');
  await item.locator('.inbox-done').click();
  await o.locator('#inbox article', { hasText: '已反馈' }).waitFor();
  await c.reload();
  await hydrated(c);
  await c.locator('#chain-table tr[data-kind="premium_subsidy"]', { hasText: '600.00' }).waitFor();
  await c.locator('#flags-none').waitFor();
  await officer.ctx.close();
  await staff.ctx.close();
  await resident.ctx.close();
});
