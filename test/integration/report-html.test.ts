import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { packageRoot } from '../../src/paths.js';
import { readResult, runBench } from './helpers.js';

const artifacts = join(packageRoot, 'test-artifacts');

test('the HTML report renders offline in headless Chromium with charts that have data and no console errors', {
  timeout: 240_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-html-'));
  const run = await runBench([
    'all',
    '--suite',
    'quick',
    '--workloads',
    'idle,cpu',
    '--reps',
    '1',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  assert.equal(run.exitCode, 0, run.all);
  const { path } = readResult(run.stdout);
  const htmlPath = join(out, 'report.html');
  const report = await runBench(['report', path, '--format', 'html', '--out', htmlPath]);
  assert.equal(report.exitCode, 0, report.all);
  const html = readFileSync(htmlPath, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=["']?https?:/, 'nothing is fetched from the network');

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    // Offline: any request leaving the file would fail the test.
    await page.route(/^https?:/, (route) => {
      problems.push(`network request: ${route.request().url()}`);
      return route.abort();
    });
    await page.goto(`file://${htmlPath}`);
    await page.waitForFunction(
      () => (globalThis as unknown as { twinbenchRendered?: unknown[] }).twinbenchRendered !== undefined,
    );
    assert.deepEqual(problems, []);
    const ids = await page.$$eval('canvas', (canvases) => canvases.map((canvas) => canvas.id));
    // Fixed charts, one chart per workload figure (idle boot, cpu events/s), and the cost factors.
    for (const id of [
      'chart-boot',
      'chart-memory',
      'chart-pss',
      'chart-cpu',
      'chart-figure-1',
      'chart-figure-2',
      'chart-costs',
    ])
      assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
    for (const id of ids) {
      const points = Number(await page.getAttribute(`#${id}`, 'data-points'));
      assert.ok(points > 0, `${id} has data (${points} points)`);
    }
    assert.match((await page.textContent('article')) ?? '', /Claims, judged on this host/);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    assert.ok(existsSync(join(artifacts, 'report.png')));
  } finally {
    await browser.close();
  }
});
