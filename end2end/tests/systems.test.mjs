// 部门系统对接 in the browser (issue 23): on a 1024 px tablet the system administrator connects
// a department's system; its secret is shown once and signs a call to the machine API; a
// rotation without overlap ends the first key; disconnecting ends every key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn } from './helpers.mjs';

/** A signed GET of the machine API, as the documented scheme says. */
async function signedGet(keyId, secret, path) {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID().replaceAll('-', '');
  const digest = createHash('sha256').update('').digest('hex');
  const text = ['HMAC-SHA256', 'GET', path, ts, nonce, digest].join('\n');
  const signature = createHmac('sha256', secret).update(text).digest('hex');
  const r = await fetch(`${BASE}${path}`, {
    headers: { 'X-Doudi-Key': keyId, 'X-Doudi-Timestamp': ts, 'X-Doudi-Nonce': nonce, 'X-Doudi-Signature': signature },
  });
  return { status: r.status, body: await r.json() };
}

test('a system is connected, its key shown once, rotated and revoked, at 1024 px', async () => {
  const admin = await newTablet();
  const a = admin.page;
  await signIn(a, 'demo_admin', 'Demo2026pass');
  await a.waitForURL(/\/staff/);
  await a.click('#systems-link');
  await a.waitForURL(`${BASE}/staff/systems`);
  await hydrated(a);
  assert.deepEqual(await unlabelled(a), []);

  // Nothing filled in: the name is asked for at its field.
  await a.click('#system-create');
  await a.locator('#system-name-error:not(:empty)').waitFor();
  await a.fill('#system-name', '【测试】张掖市医保信息平台');
  await a.selectOption('#system-department', 'medical_insurance');
  await a.locator('#system-source-medical_insurance').check();
  await a.fill('#system-region', '620700000000');
  assert.deepEqual(await unlabelled(a), []);
  await a.click('#system-create');
  await a.locator('#issued-secret').waitFor();
  const keyId = (await a.locator('#issued-key-id').textContent()).trim();
  const secret = (await a.locator('#issued-secret').textContent()).trim();
  assert.match(keyId, /^dk_[0-9a-f]{20}$/);
  const system = a.locator('article.system', { hasText: '张掖市医保信息平台' });
  await system.locator(`tr[data-key="${keyId}"][data-active="true"]`).waitFor();
  assert.equal(await a.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), true);
  await a.screenshot({ path: `${OUT}systems-1024.png`, fullPage: true });

  // The secret signs a call; after a reload it is nowhere on the page.
  assert.equal((await signedGet(keyId, secret, '/api/v1/referrals')).status, 200);
  await a.reload();
  await hydrated(a);
  await system.waitFor();
  assert.equal(await a.locator('#issued-secret').count(), 0);
  assert.ok(!(await a.content()).includes(secret), 'the secret is shown once');

  // Rotated without overlap: a new secret; the first key has ended.
  await system.locator('input[id^="overlap-"]').fill('0');
  await system.locator('.rotate').click();
  await a.locator('#issued-secret').waitFor();
  const second = { id: (await a.locator('#issued-key-id').textContent()).trim(), secret: (await a.locator('#issued-secret').textContent()).trim() };
  assert.notEqual(second.id, keyId);
  const ended = await signedGet(keyId, secret, '/api/v1/referrals');
  assert.deepEqual([ended.status, ended.body.error], [401, 'key_expired']);
  assert.equal((await signedGet(second.id, second.secret, '/api/v1/referrals')).status, 200);
  await system.locator(`tr[data-key="${keyId}"][data-active="false"]`).waitFor();

  // Disconnected: every key stops.
  await system.locator('.revoke').click();
  await system.locator('.revoke-confirm').click();
  await a.locator('article.system[data-revoked="true"]', { hasText: '张掖市医保信息平台' }).waitFor();
  const revoked = await signedGet(second.id, second.secret, '/api/v1/referrals');
  assert.deepEqual([revoked.status, revoked.body.error], [401, 'revoked']);
  await admin.ctx.close();
});
