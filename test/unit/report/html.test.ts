import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { renderHtml } from '../../../src/report/html.js';
import type { ResultFile } from '../../../src/results/types.js';

const sample = JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8')) as ResultFile;

test('guest text in a result cannot inject markup or script into the HTML report', () => {
  const hostile: ResultFile = {
    ...sample,
    trials: [...sample.trials, { trialId: 'qemu-idle-9', runtime: 'qemu', workload: 'idle', rep: 9, state: 'errored', error: '<img src=x onerror=alert(1)><script>alert(2)</script> & more' }],
  };
  const html = renderHtml(hostile);
  assert.doesNotMatch(html, /<img src=x|<script>alert\(2\)/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;|&lt;img src=x onerror=alert\(1\)>/);
  // The page's own scripts are still there: Chart.js, the data and the renderer.
  assert.equal((html.match(/<script/g) ?? []).length, 3);
});
