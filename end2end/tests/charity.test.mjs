// 慈善帮扶 end to end: a charity registers on a phone, an administrator verifies it, it
// publishes a resource; a caseworker records the demo household's need, runs the matching and
// accepts the suggestion; the charity accepts, sees the contact, records delivery; the
// household's assistance chain shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, PNG, hydrated, unlabelled, newPhone, newTablet, signIn, openDemoHousehold } from './helpers.mjs';

// GB 32100: 17 characters and their check character.
function creditCode(first17) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + chars.indexOf(c) * weights[i], 0);
  return first17 + chars[(31 - (sum % 31)) % 31];
}

test('a charity registers, is verified, and its matched delivery joins the household chain', async () => {
  const code = creditCode('53620702MJ0000099');
  const phone = '13700000099';
  const org = await newPhone();
  const p = org.page;
  await p.goto(`${BASE}/login`);
  await hydrated(p);
  await p.click('#charity-register-link');
  await p.waitForURL(`${BASE}/charity/register`);
  await hydrated(p);
  await p.fill('#org-name', '【测试】春晖助学会');
  // A wrong check character is caught as the field is left.
  await p.fill('#org-credit_code', code.slice(0, 17) + (code.endsWith('0') ? '1' : '0'));
  await p.locator('#org-credit_code').blur();
  await p.locator('#org-credit_code-error', { hasText: '校验位' }).waitFor();
  await p.fill('#org-credit_code', code);
  await p.locator('#org-credit_code').blur();
  await p.fill('#org-contact_name', '赵老师');
  await p.fill('#org-contact_phone', phone);
  await p.locator('#org-region-620702').check();
  await p.locator('#org-kind-education').check();
  await p.fill('#reg-phone', phone);
  await p.click('#send-code');
  await p.waitForSelector('.banner.ok');
  const outbox = await org.ctx.newPage();
  await outbox.goto(`${BASE}/dev/outbox`);
  const sms = (await outbox.textContent('#outbox')).match(new RegExp(`${phone}[^0-9]*?(\\d{6})`))[1];
  await outbox.close();
  await p.fill('#reg-code', sms);
  await p.fill('#reg-password', 'Charity2026');
  assert.deepEqual(await unlabelled(p), []);
  await p.screenshot({ path: `${OUT}charity-register-360.png`, fullPage: true });
  await p.click('#charity-register');
  await p.waitForURL(`${BASE}/charity`);
  await p.locator('#charity-status[data-status="pending"]').waitFor();
  assert.equal(await p.locator('#needs-board').count(), 0, 'nothing beyond its own page before verification');

  // The administrator verifies it.
  const adm = await newTablet();
  const a = adm.page;
  await signIn(a, 'demo_admin', 'Demo2026pass');
  await a.waitForURL(/\/staff/);
  await a.click('#charities-link');
  await a.waitForURL(`${BASE}/staff/charities`);
  await hydrated(a);
  const entry = a.locator(`li[data-charity="${code}"]`);
  await entry.locator('.verify').click();
  await a.locator(`li[data-charity="${code}"][data-status="verified"]`).waitFor();
  await adm.ctx.close();

  // It publishes a resource.
  await p.reload();
  await hydrated(p);
  await p.locator('#charity-status[data-status="verified"]').waitFor();
  await p.fill('#res-title', '【测试】春晖助学金');
  await p.fill('#res-total', '3000');
  await p.fill('#res-per_household_cap', '1500');
  await p.locator('#res-kind-education').check();
  await p.fill('#res-valid_until', '2099-12-31');
  assert.deepEqual(await unlabelled(p), []);
  await p.click('#res-save');
  await p.locator('#charity-resources tr', { hasText: '春晖助学金' }).waitFor();

  // The caseworker records the demo household's need and matches it.
  const staff = await newTablet();
  const c = staff.page;
  await signIn(c, 'demo_caseworker', 'Demo2026pass');
  await c.waitForURL(/\/staff/);
  await openDemoHousehold(c);
  const file = c.url();
  // The form is loaded when opened.
  await c.click('#need-open > summary');
  await c.selectOption('#need-kind', 'education');
  await c.fill('#need-amount', '1200');
  await c.click('#need-save');
  await c.locator('#charity-needs li[data-state="open"]', { hasText: '1200.00' }).waitFor();
  assert.deepEqual(await unlabelled(c), []);
  await c.goto(`${BASE}/staff/matching`);
  await hydrated(c);
  await c.locator('#matching-needs tr[data-need]', { hasText: '1200.00' }).waitFor();
  await c.click('#suggest');
  // The demo household's need (other tests' households may have needs of their own).
  const suggestion = c.locator('#suggestions li', { hasText: '春晖助学金' }).filter({ hasText: '1200.00' });
  await suggestion.waitFor();
  assert.match(await suggestion.textContent(), /紧急程度.*覆盖 1200\.00 元 \/ 1200\.00 元.*同县区/);
  assert.deepEqual(await unlabelled(c), []);
  await c.screenshot({ path: `${OUT}matching-1024.png`, fullPage: true });
  await suggestion.locator('.accept').click();
  await c.locator('#region-matches li[data-state="proposed"]', { hasText: '春晖助学金' }).waitFor();

  // The charity sees the proposal on its page, accepts, sees the contact, records delivery.
  await p.reload();
  await hydrated(p);
  const proposal = p.locator('#charity-matches li[data-state="proposed"]');
  await proposal.waitFor();
  assert.doesNotMatch(await p.textContent('main'), /张演示/);
  await proposal.locator('.accept').click();
  const accepted = p.locator('#charity-matches li[data-state="accepted"]');
  await accepted.waitFor();
  await accepted.locator('.reveal').click();
  await accepted.locator('.contact', { hasText: '张演示' }).waitFor();
  await accepted.locator('input[id^="deliver-proof-"]').fill('收据 CH-0001');
  await accepted.locator('input[id^="deliver-file-"]').setInputFiles({ name: '签收单.png', mimeType: 'image/png', buffer: PNG });
  assert.deepEqual(await unlabelled(p), []);
  await accepted.locator('.deliver button[type=submit]').click();
  const delivered = p.locator('#charity-matches li[data-state="delivered"]');
  await delivered.waitFor();
  const proof = await p.request.get(BASE + await delivered.locator('a.proof').getAttribute('href'));
  assert.equal(proof.status(), 200);
  assert.equal(proof.headers()['content-type'], 'image/png');
  await p.screenshot({ path: `${OUT}charity-360.png`, fullPage: true });
  await org.ctx.close();

  // The household's chain shows the delivery.
  await c.goto(file);
  await hydrated(c);
  await c.locator('#chain-table tr', { hasText: '春晖助学会' }).waitFor();
  await c.locator('#charity-needs li[data-state="met"]').waitFor();
  await c.locator('#charity-needs li[data-state="delivered"] a.proof').waitFor();
  await staff.ctx.close();
});
