import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultThreshold, parseThreshold } from '../../../src/report/check.js';
import { renderCsv } from '../../../src/report/csv.js';
import { migrateResult, parseResult } from '../../../src/results/read.js';
import { UsageError } from '../../../src/errors.js';

test('--threshold accepts 5%, 5 and 0.05 and refuses the rest, naming the value', () => {
  assert.equal(parseThreshold('5%'), 0.05);
  assert.equal(parseThreshold('5'), 0.05);
  assert.equal(parseThreshold('0.05'), 0.05);
  assert.equal(parseThreshold('12.5%'), 0.125);
  for (const bad of ['0', '-5%', '100%', 'five', '5%%', '']) assert.throws(() => parseThreshold(bad), /--threshold must be a percentage/);
});

test('boot and CPU time get a wider default threshold than throughput and memory', () => {
  assert.equal(defaultThreshold('boot.bootToReadyMs'), 0.1);
  assert.equal(defaultThreshold('cgroup.cpu_seconds.atReady'), 0.1);
  assert.equal(defaultThreshold('events_per_s'), 0.05);
});

test('an early v1 file without images.initrd is migrated, not refused', () => {
  const migrated = migrateResult({ schemaVersion: 1, images: { rootfsDigest: 'x' } });
  assert.deepEqual(migrated.images, { rootfsDigest: 'x', initrd: { source: 'built' } });
});

test('the reader names the file for every kind of bad input', () => {
  const cases: [string, RegExp][] = [
    ['', /f\.json: the file is empty/],
    ['[1,2]', /f\.json: not a twinbench result \(not a JSON object\)/],
    ['{"tool":{"name":"twinbench"},"schemaVersion":"1"}', /f\.json: unknown schemaVersion "1"/],
    ['{"tool":{"name":"twinbench"},"schemaVersion":2}', /newer than this twinbench reads/],
    ['{"tool":{"name":"twinbench"},"schemaVersion":1}', /f\.json: does not match the result schema v1: .*must have required property/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => parseResult(text, 'f.json'), (error: unknown) => error instanceof UsageError && expected.test(error.message));
  }
});

test('CSV quotes fields with commas, quotes and newlines', () => {
  const csv = renderCsv([{ path: 'a,b "c".json', result: { runId: 'r', trials: [{ trialId: 't', runtime: 'docker', workload: 'cpu', rep: 1, state: 'completed', boot: { bootToReadyMs: 5, phases: [] }, metrics: [{ name: 'm', value: 1, unit: 'u\nv', source: 's', direction: 'higher' }], resources: {}, series: { intervalMs: 1, tMs: [], columns: {}, events: [], sampleCostMs: { mean: 0, max: 0 } } }] } as never }]);
  assert.match(csv, /^"a,b ""c"".json",r,t,docker,cpu,1,completed,boot,bootToReadyMs,,5,ms,host\.clock$/m);
  assert.match(csv, /metric,m,,1,"u\nv",s/);
});
