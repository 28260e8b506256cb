// The resident portal end to end in Debian's Chromium (playwright-core, no browser download):
// register, fill a 3-member household with one invalid ID, fix it, reload (draft kept),
// attach a file, submit, see the status and number, switch to English. Screenshots at
// 360 px and 1024 px go to end2end/output/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, validId, PNG, hydrated, unlabelled, newPhone, newContext, fillMember, toStep, register, chooseGanzhouVillage, signIn, loadedWasm } from './helpers.mjs';

test('a resident registers, declares a household, submits and follows it', async () => {
  const phone = `139${String(Date.now()).slice(-8)}`;
  const password = 'Secret-1234';
  const { ctx, page } = await newPhone();

  // Register with the SMS code (read from the demo outbox); every field is labelled.
  await page.goto(`${BASE}/register`);
  await hydrated(page);
  assert.deepEqual(await unlabelled(page), []);
  // The portal's pages run on the portal's own WASM, not the whole application's.
  const wasm = await loadedWasm(page);
  assert.ok(wasm.includes('/pkg/portal/doudi-portal.wasm'), `portal WASM loaded: ${wasm}`);
  assert.ok(!wasm.includes('/pkg/doudi.wasm'), `the whole application's WASM is not: ${wasm}`);
  // Only the registration form is live (an island, its code in one bundle); the declaration's
  // code is not loaded yet.
  assert.deepEqual([...new Set(wasm)].map((p) => p.replace(/_\d+\.wasm$/, '')),
    ['/pkg/portal/doudi-portal.wasm', '/pkg/portal/bundle_register_island_loader'], `the main module and the form's: ${wasm}`);
  assert.ok(await page.locator('leptos-island form').count() === 1, 'the form is an island');
  await register(ctx, page, phone, password);
  // The declaration form's island brings its own code, in one file (scripts/bundle-chunks.mjs).
  const declaring = await loadedWasm(page);
  assert.deepEqual(declaring.filter((p) => p !== '/pkg/portal/doudi-portal.wasm').map((p) => p.replace(/_\d+\.wasm$/, '')),
    ['/pkg/portal/bundle_declaration_loader'], `the declaration's code, one bundle: ${declaring}`);

  // Address: the region tree down to a village.
  await chooseGanzhouVillage(page);
  await page.fill('#address', '三组12号');
  await page.selectOption('#residence', 'rural');
  await page.fill('#contact-phone', phone);

  // Three members, the second with a mistyped ID number.
  const head = validId('62070219700101003');
  const spouse = validId('62070219720202004');
  const child = validId('62070220100303005');
  const wrongSpouse = spouse.slice(0, 17) + (spouse[17] === '1' ? '2' : '1');
  await toStep(page, 'members');
  await fillMember(page, 0, { name: '张建国', id: head });
  await page.click('#add-member');
  await fillMember(page, 1, { relation: 'spouse', name: '李秀兰', id: wrongSpouse });
  await page.click('#add-member');
  await fillMember(page, 2, { relation: 'child', name: '张小明', id: child });
  const idError = page.locator('#m1-id_number-error');
  await assert.doesNotReject(idError.filter({ hasText: '校验位' }).waitFor());
  await page.fill('#m1-id_number', spouse);
  await page.locator('#m1-id_number').blur();
  await idError.filter({ hasText: /^$/ }).waitFor({ state: 'attached' });
  assert.equal((await idError.textContent()).trim(), '');

  assert.deepEqual(await unlabelled(page), []);
  await toStep(page, 'money');
  await page.fill('#income-wages', '1200.50');
  await toStep(page, 'needs');
  await page.check('#help-basic_living');
  await page.check('#consent-verification');
  await page.locator('#save-state', { hasText: '草稿已保存' }).waitFor();

  // A reload keeps everything typed.
  // (A step's fields are drawn when the step is first shown: each is opened to read them.)
  await page.reload();
  await hydrated(page);
  await toStep(page, 'members');
  await page.waitForSelector('#m2-name', { state: 'attached' });
  assert.equal(await page.inputValue('#m1-name'), '李秀兰');
  assert.equal(await page.inputValue('#m1-id_number'), spouse);
  assert.equal(await page.inputValue('#m2-id_number'), child);
  await toStep(page, 'money');
  assert.equal(await page.inputValue('#income-wages'), '1200.50');
  await toStep(page, 'household');
  assert.equal(await page.$eval('#region-4', (s) => s.value.length), 12);

  // Typing while the connection is down, then closing the tab, loses nothing.
  await ctx.setOffline(true);
  await page.fill('#description', '户主患病，无法外出务工。');
  await page.locator('#save-state', { hasText: '暂时无法保存' }).waitFor();
  await page.close();
  await ctx.setOffline(false);
  const page2 = await ctx.newPage();
  await page2.goto(`${BASE}/declare`);
  await hydrated(page2);
  await page2.locator('.banner.ok', { hasText: '已恢复本机上更新的草稿' }).waitFor();
  // The banner and the field are updated by separate effects: wait (bounded) for the text the
  // resident typed rather than reading the field at the banner's first frame (a flake, stop 30).
  await page2.waitForFunction(() => document.querySelector('#description')?.value === '户主患病，无法外出务工。',
    null, { timeout: 10000 }).catch(() => {});
  assert.equal(await page2.inputValue('#description'), '户主患病，无法外出务工。');
  await page2.locator('#save-state', { hasText: '草稿已保存' }).waitFor();

  // A proof file.
  await toStep(page2, 'needs');
  await page2.selectOption('#attachment-kind', 'id_card');
  await page2.setInputFiles('#attachment-file', { name: '户主身份证.png', mimeType: 'image/png', buffer: PNG });
  await page2.click('#upload-attachment');
  await page2.locator('#attachment-list', { hasText: '户主身份证.png' }).waitFor();
  await page2.screenshot({ path: `${OUT}declare-360.png`, fullPage: true });

  // Submit and follow.
  await toStep(page2, 'review');
  await page2.click('#submit-declaration');
  const number = (await page2.locator('#application-number').textContent()).trim();
  assert.match(number, /^SQ-\d{4}-\d{6}$/);
  await page2.click('#submitted a');
  await page2.waitForURL(`${BASE}/applications/${number}`);
  await page2.locator('#status-number', { hasText: number }).waitFor();
  await page2.locator('#status-badge', { hasText: '已提交' }).waitFor();
  await page2.locator('#timeline li.current', { hasText: '已提交' }).waitFor();
  assert.ok((await page2.textContent('body')).includes('620702********'), 'IDs are masked');
  await page2.screenshot({ path: `${OUT}status-360.png`, fullPage: true });

  // English.
  await hydrated(page2);
  await page2.click('#lang-switch');
  await page2.locator('#status-badge', { hasText: 'Submitted' }).waitFor();
  await page2.locator('h1', { hasText: 'Application number' }).waitFor();
  // The choice is remembered: the server renders the next page in English.
  await page2.reload();
  await page2.locator('#status-badge', { hasText: 'Submitted' }).waitFor();
  assert.equal(await page2.getAttribute('html', 'lang'), 'en');
  await hydrated(page2);
  await page2.click('#lang-switch');
  await page2.locator('#status-badge', { hasText: '已提交' }).waitFor();

  // The resident's requests are islands in a page of plain HTML: sharing the needs with
  // charities, then withdrawing the application (after a confirmation).
  await hydrated(page2);
  assert.equal((await page2.textContent('#charity-state')).trim(), '未同意');
  await page2.click('#charity-toggle');
  await page2.locator('#charity-state', { hasText: '已同意' }).waitFor();
  await hydrated(page2);
  await page2.fill('#withdraw-reason', '家庭收入已好转');
  await page2.click('#withdraw');
  await page2.click('#withdraw-confirm');
  await page2.locator('#status-badge', { hasText: '已撤回' }).waitFor();
  await page2.locator('#events', { hasText: '家庭收入已好转' }).waitFor();
  assert.equal(await page2.locator('#withdraw').count(), 0, 'a withdrawn application cannot be withdrawn again');
  await ctx.close();

  // The same case on a 1024 px tablet, signed in page2.
  const tablet = await newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'zh-CN' });
  const t = await tablet.newPage();
  await signIn(t, phone, password);
  await t.waitForURL(`${BASE}/declare`);
  await t.goto(`${BASE}/applications`);
  await t.locator('.app-list', { hasText: number }).waitFor();
  await t.screenshot({ path: `${OUT}applications-1024.png`, fullPage: true });
  await t.goto(`${BASE}/applications/${number}`);
  await t.locator('#timeline').waitFor();
  await t.screenshot({ path: `${OUT}status-1024.png`, fullPage: true });
  await tablet.close();
});
