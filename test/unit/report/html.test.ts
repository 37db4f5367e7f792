import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { renderHtml } from '../../../src/report/html.js';
import type { ResultFile } from '../../../src/results/types.js';

const sample = JSON.parse(
  readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'),
) as ResultFile;

test('guest text in a result cannot inject markup or script into the HTML report', () => {
  const hostile: ResultFile = {
    ...sample,
    trials: [
      ...sample.trials,
      {
        trialId: 'qemu-idle-9',
        runtime: 'qemu',
        workload: 'idle',
        rep: 9,
        state: 'errored',
        error: '<img src=x onerror=alert(1)><script>alert(2)</script> & more',
      },
    ],
  };
  const html = renderHtml(hostile);
  assert.doesNotMatch(html, /<img src=x|<script>alert\(2\)/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;|&lt;img src=x onerror=alert\(1\)>/);
  // The page's own scripts are still there: Chart.js, the data and the renderer.
  assert.equal((html.match(/<script/g) ?? []).length, 3);
});

test("Markdown link and image syntax in a result's text (host name, an error) renders as text: no link, no image, nothing fetched", async () => {
  const { renderHistoryHtml } = await import('../../../src/report/history-html.js');
  const { buildHistory, renderHistoryMarkdown } = await import('../../../src/report/history.js');
  const { summarizeRun } = await import('../../../src/report/run-summary.js');
  const injected =
    'lab[x](javascript:alert(1))![t](http://127.0.0.1:9/t.png) <http://127.0.0.1:9/a> www.example.invalid';
  const hostile: ResultFile = structuredClone(sample);
  hostile.host.hostname = injected;
  hostile.trials.push({
    trialId: 'qemu-idle-9',
    runtime: 'qemu',
    workload: 'idle',
    rep: 9,
    state: 'errored',
    error: `guest said ${injected}`,
  });
  const model = buildHistory([summarizeRun('a.json', hostile)]);
  for (const page of [renderHtml(hostile), renderHistoryHtml(model, renderHistoryMarkdown(model))]) {
    const article = /<article>([\s\S]*)<\/article>/.exec(page)?.[1] ?? '';
    assert.doesNotMatch(article, /<a\b|<img\b|href=|src=/i, article.slice(0, 400));
    assert.match(article, /javascript:alert\(1\)/, 'the text is still shown');
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  }
});

test('every chart lists the runtimes in one order with one colour each, and the time series include native', () => {
  // A native baseline, and a cpu workload whose repetition ran the runtimes in another order than idle's.
  const native = (trial: ResultFile['trials'][number]) => ({
    ...trial,
    runtime: 'native',
    trialId: `native-${trial.trialId}`,
  });
  const idle = sample.trials.filter((t) => t.workload === 'idle');
  const cpu = sample.trials.filter((t) => t.workload === 'cpu');
  const result: ResultFile = {
    ...sample,
    runtimes: { native: { ...sample.runtimes.docker!, kind: 'native', label: 'native' }, ...sample.runtimes },
    trials: [...idle, ...idle.slice(0, 1).map(native), ...cpu.reverse(), ...cpu.slice(0, 1).map(native)],
  };
  const page = renderHtml(result);
  const data = JSON.parse(
    page.split('<script id="twinbench-data" type="application/json">')[1]!.split('</script>')[0]!,
  ) as {
    colors: Record<string, string>;
    figures: { title: string; runtimes: { runtime: string }[] }[];
    series: { runtime: string }[];
  };
  assert.deepEqual(Object.keys(data.colors), ['native', 'docker', 'qemu']);
  assert.equal(new Set(Object.values(data.colors)).size, 3);
  for (const figure of data.figures)
    assert.deepEqual(
      figure.runtimes.map((r) => r.runtime),
      ['native', 'docker', 'qemu'],
      figure.title,
    );
  assert.deepEqual(
    data.series.map((s) => s.runtime),
    ['native', 'docker', 'qemu'],
  );
});
