import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { packageRoot } from '../../src/paths.js';
import { runBench } from './helpers.js';

/** What a hostile guest, image or host could put in a free-text field (issue #28). */
const injected =
  'lab[x](javascript:alert(1))![t](http://127.0.0.1:9/t.png) <img src=x onerror=alert(2)> <script>alert(3)</script> <http://127.0.0.1:9/a> www.example.invalid';

/**
 * A recorded result (test/fixtures/results) whose every free-text field holds the injection strings: host
 * names and CPU, OS and kernel, notes, every string a runtime's info records (tool output), and an errored
 * trial's error and console tail (a guest's words).
 */
function hostileResult(index: number): Record<string, unknown> {
  const result = JSON.parse(
    readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'),
  ) as {
    runId: string;
    startedAt: string;
    host: { hostname: string; cpu: { brand: string }; os: { distro: string; kernel: string } };
    runtimes: Record<string, { info: Record<string, unknown> }>;
    trials: Record<string, unknown>[];
    notes: string[];
  };
  result.runId = `${result.runId}-hostile-${index}`;
  result.startedAt = new Date(Date.parse(result.startedAt) + index * 86_400_000).toISOString();
  result.host.hostname = `lab-${injected}`;
  result.host.cpu.brand = `EPYC ${injected}`;
  result.host.os.distro = `Debian ${injected}`;
  result.host.os.kernel = `6.1 ${injected}`;
  for (const runtime of Object.values(result.runtimes)) {
    for (const [key, value] of Object.entries(runtime.info))
      if (typeof value === 'string') runtime.info[key] = `${value} ${injected}`;
  }
  result.notes.push(`note ${injected}`);
  const first = result.trials[0]!;
  result.trials.push({
    trialId: 'qemu-idle-9',
    runtime: 'qemu',
    workload: 'idle',
    rep: 9,
    startedAt: first.startedAt,
    state: 'errored',
    error: `guest said ${injected}`,
    consoleTail: `console ${injected}`,
  });
  return result;
}

test('report, compare, fleet and history output of result files whose every free-text field is hostile: Markdown holds the text only in code spans; the HTML pages make no request, no dialog, no link or image from it, and show it', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-hostile-pages-'));
  const runs = join(dir, 'runs');
  mkdirSync(runs);
  // A file name with what a file name can hold of it.
  const files = [0, 1].map((index) => join(runs, `${index}-lab[x](javascript:alert(1)) <b>.json`));
  for (const [index, file] of files.entries()) writeFileSync(file, JSON.stringify(hostileResult(index)));
  const report = await runBench(['report', files[0]!, '--format', 'html', '--out', join(dir, 'report.html')]);
  assert.equal(report.exitCode, 0, report.all);
  const history = await runBench(['history', runs, '--out', join(dir, 'history.html')]);
  assert.equal(history.exitCode, 0, history.all);
  // The Markdown of every command (what CI step summaries and the fleet pages get): the text only inside code
  // spans, no link, image or HTML outside them.
  const outputs = {
    report: await runBench(['report', files[0]!]),
    compare: await runBench(['compare', files[0]!, files[1]!]),
    fleet: await runBench(['compare', '--layout', 'fleet', files[0]!, files[1]!]),
    history: await runBench([
      'history',
      runs,
      '--out',
      join(dir, 'history-2.html'),
      '--summary',
      join(dir, 'history.md'),
    ]),
  };
  for (const [name, output] of Object.entries(outputs)) {
    assert.equal(output.exitCode, 0, `${name}: ${output.all}`);
    const text = name === 'history' ? readFileSync(join(dir, 'history.md'), 'utf8') : output.stdout;
    assert.ok(text.includes('javascript:alert(1)'), `${name} shows the text`);
    for (const line of text.split('\n')) {
      assert.doesNotMatch(
        line.replace(/(`+)[^`]*?\1/g, ''),
        /javascript:|<img|<script|127\.0\.0\.1|www\.example/,
        `${name}: ${line}`,
      );
    }
  }

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
    for (const name of ['report.html', 'history.html']) {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('dialog', (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      // Every request but the page itself is recorded (and refused): images, scripts, anything the text could add.
      const url = `file://${join(dir, name)}`;
      await page.route(
        () => true,
        (route) => {
          if (route.request().url() !== url) problems.push(`request: ${route.request().url()}`);
          return route.request().url() === url ? route.continue() : route.abort();
        },
      );
      await page.goto(url);
      await page.waitForLoadState('load');
      // The page's own script has drawn what it draws (it says so in twinbenchRendered).
      await page.waitForFunction(
        () => (globalThis as unknown as { twinbenchRendered?: unknown[] }).twinbenchRendered !== undefined,
      );
      const found = {
        links: await page.$$eval('a[href]', (anchors) => anchors.map((anchor) => anchor.getAttribute('href') ?? '')),
        images: (await page.$$('img')).length,
        // The injected text may be data (a JSON script element the page reads), never code.
        scripts: (
          await page.$$eval('script:not([type="application/json"])', (scripts) =>
            scripts.map((script) => script.textContent ?? ''),
          )
        ).filter((code) => code.includes('alert(')).length,
        data: await page.$$eval('script[type="application/json"]', (scripts) =>
          scripts.map((script) => script.textContent ?? ''),
        ),
        text: await page.innerText('body'),
      };
      assert.deepEqual(problems, [], name);
      assert.deepEqual(
        found.links.filter((href) => !href.startsWith('#')),
        [],
        `${name}: links`,
      );
      assert.equal(found.images, 0, `${name}: images`);
      assert.equal(found.scripts, 0, `${name}: scripts holding the injected calls`);
      // As data, the text is JSON that no closing tag can end: it parses, and holds no raw "<".
      for (const text of found.data)
        assert.ok(!text.includes('<') && JSON.parse(text) !== undefined, `${name}: JSON data element`);
      assert.ok(found.text.includes('lab[x](javascript:alert(1))'), `${name}: the host name is shown as text`);
      if (name === 'report.html') {
        assert.ok(found.text.includes('<img src=x onerror=alert(2)>'), `${name}: raw HTML is shown as text`);
        assert.ok(
          found.text.includes(`guest said ${injected}`.slice(0, 60)),
          `${name}: the guest's error is shown as text`,
        );
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
