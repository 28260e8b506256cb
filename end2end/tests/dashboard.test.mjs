// 统计分析 on a 1024 px tablet (issue 21): a caseworker opens the figures of the county, sees
// each chart drawn (canvas) beside its table, goes down to a township and back, narrows the
// months, and downloads the monthly report, which opens (read with calamine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BASE, OUT, hydrated, unlabelled, newTablet, signIn } from './helpers.mjs';

const XLSX_ROWS = new URL('../../target/debug/examples/xlsx_rows', import.meta.url).pathname;

async function charted(p, id) {
  await p.locator(`#chart-${id} canvas`).first().waitFor({ timeout: 20000 });
}

test('the dashboard draws its charts beside tables, drills down, and its report opens', async () => {
  const t = await newTablet();
  const p = t.page;
  await signIn(p, 'demo_caseworker', 'Demo2026pass');
  await p.waitForURL(/\/staff/);
  await hydrated(p);
  await p.click('#dashboard-link');
  await p.waitForURL(`${BASE}/staff/dashboard`);
  await hydrated(p);
  await p.locator('#table-households').waitFor();
  // Counted now (the figures say as of when).
  await p.click('#st-refresh');
  await p.locator('#st-refresh:not([disabled])').waitFor();
  await p.locator('#st-as-of', { hasText: /数据截至/ }).waitFor();
  for (const id of ['households', 'children', 'flow', 'applications', 'warnings', 'paid']) {
    await charted(p, id);
    assert.ok(await p.locator(`#table-${id} tbody tr`).count() > 0, id);
  }
  // Six categories and their total, each number a link to the list behind it (masked).
  assert.equal(await p.locator('#table-households tbody tr').count(), 7);
  const dibaoList = await p.locator('#table-households tbody tr').nth(1).locator('td a').last().getAttribute('href');
  assert.match(dibaoList, /^\/rosters\/households\.xlsx\?region=620702000000&category=dibao&standing=in_assistance$/);
  assert.deepEqual(await unlabelled(p), []);
  // Side by side on a tablet: the chart left of its table.
  const chart = await p.locator('#chart-households').boundingBox();
  const table = await p.locator('#table-households').boundingBox();
  assert.ok(chart.x + chart.width <= table.x + 1 && chart.width > 300, JSON.stringify({ chart, table }));
  await p.screenshot({ path: `${OUT}dashboard-1024.png`, fullPage: true });

  // Down to a township: its own figures, the way back up in the trail.
  const town = p.locator('#table-children tbody th a').first();
  const name = (await town.textContent()).trim();
  await town.click();
  await p.waitForURL(/\/staff\/dashboard\?region=\d{12}/);
  await p.locator('#st-trail span[aria-current="page"]', { hasText: name }).waitFor();
  await charted(p, 'households');
  assert.equal(await p.locator('#st-trail a').count(), 1);
  await p.click('#st-trail a');
  await p.waitForURL(/region=620702000000/);
  await p.locator('#st-trail span[aria-current="page"]').waitFor();
  // The trail is drawn again after the URL changes: wait until the township's link is gone
  // (it fails if it never goes).
  await p.locator('#st-trail a').first().waitFor({ state: 'detached', timeout: 10000 });
  assert.equal(await p.locator('#st-trail a').count(), 0);

  // Three months: a row each.
  await p.fill('#st-from', '2026-01');
  await p.fill('#st-to', '2026-03');
  await Promise.all([p.waitForURL(/from=2026-01&to=2026-03/), p.click('#st-show')]);
  await p.locator('#table-flow tbody tr').first().waitFor();
  assert.equal(await p.locator('#table-flow tbody tr').count(), 3);
  await charted(p, 'flow');

  // The monthly statistical report downloads and opens: region and month in its title.
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('#st-report')]);
  const file = `${OUT}statistics-report.xlsx`;
  await download.saveAs(file);
  const rows = JSON.parse(execFileSync(XLSX_ROWS, [file], { encoding: 'utf8' }));
  assert.match(rows[0][0], /甘州区.*社会救助统计月报 2026-03/);
  assert.ok(rows.some((r) => r[0] === '农村最低生活保障'), JSON.stringify(rows));
  assert.ok(rows.some((r) => r[0] === '特困人员（集中供养）'));
  fs.rmSync(file);
  await t.ctx.close();
});
