import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
import { packageRoot } from '../../src/paths.js';
import { waitUntil } from './helpers.js';

const bench = join(packageRoot, 'bin', 'bench.js');
const artifacts = join(packageRoot, 'test-artifacts');
const root = mkdtempSync(join(tmpdir(), 'twinbench-history-'));
// The fake runtimes (the real pipeline, synthetic figures): no engine and no cache of the user's is touched.
const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', TWINBENCH_CACHE: join(root, 'cache') };

test('bench history renders 12 runs in headless Chromium: a chart per figure, the run where figures moved marked, offline, no console errors', {
  timeout: 240_000,
}, async () => {
  const runs = join(root, 'runs');
  // Eight runs as they were, then four where every figure costs 1.2x: run 9 is the change point.
  for (let i = 1; i <= 12; i++) {
    const run = await execa(
      'node',
      [
        bench,
        'all',
        '--runtimes',
        'fake,fake-vm',
        '--workloads',
        'idle,cpu',
        '--reps',
        '6',
        '--warmup',
        '0',
        '--seed',
        String(i),
        '--out',
        runs,
      ],
      {
        reject: false,
        env: { ...env, TWINBENCH_FAKE_SCALE: i > 8 ? '1.2' : '1' },
      },
    );
    assert.equal(run.exitCode, 0, run.stderr);
    // Result files are named by the second they started in: the next run starts in the next second.
    const second = Math.floor(Date.now() / 1000);
    await waitUntil('the next second', () => Math.floor(Date.now() / 1000) > second, 2000, 20);
  }
  const files = readdirSync(runs)
    .filter((name) => name.endsWith('.json'))
    .sort();
  assert.equal(files.length, 12);
  // A JSON file that is not a result, in the same folder: skipped and said, not fatal.
  writeFileSync(join(runs, 'thresholds.json'), '{"kind":"twinbench-thresholds","thresholds":{}}\n');
  const page = join(root, 'history.html');
  const summary = join(root, 'history.md');
  const history = await execa('node', [bench, 'history', runs, '--out', page, '--summary', summary], {
    reject: false,
    env,
  });
  assert.equal(history.exitCode, 0, history.stderr);
  assert.match(history.stderr, /skipped .*thresholds\.json: not a twinbench result file/);
  const markdown = readFileSync(summary, 'utf8');
  assert.equal(history.stdout.trim(), markdown.trim());
  assert.match(markdown, /12 result file\(s\) of 1 host\(s\)/);
  // The change point is between the 8th and the 9th run, and only there.
  const moved = markdown.split('\n').filter((line) => / regressed \| yes \|/.test(line));
  assert.ok(moved.length > 0, markdown);
  for (const line of moved) assert.ok(line.includes(`\`${files[7]}\` → \`${files[8]}\``), line);
  assert.match(markdown, /\| `fake\/cpu\/events_per_s` \| regressed \| yes \| -16\.7 % \|/);

  const html = readFileSync(page, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=["']?https?:/, 'nothing is fetched from the network');
  const data = JSON.parse(
    /<script id="twinbench-history" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}',
  ) as { figures: { id: string; title: string; series: unknown[] }[] };
  assert.ok(data.figures.length >= 10, `${data.figures.length} figures`);

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
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    tab.on('pageerror', (error) => problems.push(error.message));
    await tab.route(/^(?!file:)/, (route) => {
      problems.push(`network request: ${route.request().url()}`);
      return route.abort();
    });
    await tab.goto(`file://${page}`);
    await tab.waitForFunction(
      () => (globalThis as unknown as { twinbenchRendered?: unknown[] }).twinbenchRendered !== undefined,
    );
    assert.deepEqual(problems, []);
    const charts = await tab.$$eval('canvas', (canvases) =>
      canvases.map((canvas) => ({
        id: canvas.id,
        points: Number(canvas.getAttribute('data-points')),
        marks: Number(canvas.getAttribute('data-change-points')),
        width: canvas.width,
      })),
    );
    assert.deepEqual(
      charts.map((chart) => chart.id),
      data.figures.map((figure) => figure.id),
      'a chart per figure',
    );
    for (const chart of charts) {
      const figure = data.figures.find((candidate) => candidate.id === chart.id)!;
      // One point per run on every line (two runtimes on this host).
      assert.equal(chart.points, 12 * figure.series.length, `${figure.title}: ${chart.points} points`);
      assert.ok(chart.width > 0, `${figure.title} is drawn`);
    }
    const eventsChart = data.figures.find((figure) => figure.title === 'cpu: events_per_s');
    assert.ok(eventsChart);
    assert.equal(
      charts.find((chart) => chart.id === eventsChart.id)?.marks,
      2,
      'both runtimes marked at the change point',
    );
    assert.match((await tab.textContent('article')) ?? '', /What moved/);
    mkdirSync(artifacts, { recursive: true });
    await tab.screenshot({ path: join(artifacts, 'history.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('bench history: a path that does not exist, or a folder without results, is one line and exit 2', async () => {
  const missing = await execa('node', [bench, 'history', join(root, 'nope')], { reject: false, env });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /nope: cannot read it \(no such file or folder\)/);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'notes.json'), '{"hello": 1}\n');
  const none = await execa('node', [bench, 'history', empty, '--out', join(root, 'none.html')], { reject: false, env });
  assert.equal(none.exitCode, 2);
  assert.match(none.stderr, /bench history found no result file in .*empty \(1 JSON file\(s\) skipped/);
  assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
});
