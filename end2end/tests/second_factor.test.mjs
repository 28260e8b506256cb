// Staff sign in with two factors (issue 17, holes 2 and 3): a new caseworker enrols an
// authenticator app from the QR page, changes the first password the administrator chose, signs
// out, signs in with a code; a wrong code is refused; a recovery code works once. The codes are
// computed here (RFC 6238), not by the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn, nextTotp } from './helpers.mjs';

test('a caseworker enrols a second factor and signs in with it, or with a recovery code once', async () => {
  const login = `e2e_totp_${Date.now() % 100000}`;
  const password = 'Totp-e2e-2026';

  // The administrator creates the account.
  const adm = await newTablet();
  await signIn(adm.page, 'demo_admin', 'Demo2026pass');
  await adm.page.waitForURL(/\/staff/);
  await hydrated(adm.page);
  await adm.page.fill('#staff-login', login);
  await adm.page.fill('#staff-name', '【测试】二次验证社工');
  await adm.page.selectOption('#staff-role', 'caseworker');
  await adm.page.fill('#staff-region', '620702000000');
  await adm.page.fill('#staff-password', password);
  await adm.page.click('form button[type=submit]');
  await adm.page.locator('tr', { hasText: login }).waitFor();
  await adm.ctx.close();

  // First sign-in: the password leads to enrolment, nothing else.
  const cw = await newTablet();
  const p = cw.page;
  await signIn(p, login, password, null);
  await p.waitForURL(`${BASE}/second-factor`);
  await hydrated(p);
  await p.locator('#second-factor-secret').waitFor();
  assert.equal(await p.locator('.qr svg').count(), 1, 'the QR code is drawn on the page');
  assert.deepEqual(await unlabelled(p), []);
  const secret = (await p.textContent('#second-factor-secret')).trim();
  await p.fill('#second-factor-code', '000000');
  await p.click('form button[type=submit]');
  await p.locator('.banner.error').waitFor();
  await p.fill('#second-factor-code', await nextTotp(login, secret));
  await p.click('form button[type=submit]');
  await p.locator('#recovery-codes li').nth(9).waitFor();
  const recovery = await p.locator('#recovery-codes li').allTextContents();
  assert.equal(recovery.length, 10);
  await p.screenshot({ path: `${OUT}second-factor-enrolled.png`, fullPage: true });
  await p.click('#second-factor-continue');
  await p.waitForURL(`${BASE}/staff`);
  await hydrated(p);
  // The administrator chose the first password: it must be changed before anything else.
  await p.locator('#pw-current').waitFor();
  assert.equal(await p.locator('#queue-link').count(), 0);
  assert.deepEqual(await unlabelled(p), []);
  const own = 'My-own-e2e-2026';
  await p.fill('#pw-current', password);
  await p.fill('#pw-new', own);
  await p.fill('#pw-confirm', own);
  await p.click('#pw-save');
  await p.locator('#queue-link').waitFor();
  await hydrated(p);

  // Signs out, and back in with the password and a code.
  await p.click('#sign-out');
  await p.waitForURL(`${BASE}/`);
  await signIn(p, login, own, secret);
  await p.waitForURL(`${BASE}/staff`);
  await cw.ctx.close();

  // A wrong code is refused; a recovery code works, once.
  const again = await newTablet();
  const q = again.page;
  await signIn(q, login, own, null);
  await q.locator('#login-otp').waitFor();
  await q.fill('#login-otp', '123456');
  await q.click('button[type=submit]');
  await q.locator('.banner.error').waitFor();
  assert.match(await q.textContent('.banner.error'), /验证码|恢复码/);
  await q.fill('#login-otp', recovery[0]);
  await q.click('button[type=submit]');
  await q.waitForURL(`${BASE}/staff`);
  await again.ctx.close();

  const third = await newTablet();
  const r = third.page;
  await signIn(r, login, own, null);
  await r.locator('#login-otp').waitFor();
  await r.fill('#login-otp', recovery[0]);
  await r.click('button[type=submit]');
  await r.locator('.banner.error').waitFor();
  assert.equal(r.url(), `${BASE}/login`);
  await third.ctx.close();
});
