import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryModel } from '../../../src/results/memory-model.js';
import type { SampledSeries } from '../../../src/sampling/series.js';

const MiB = 2 ** 20;

function series(
  usage: (number | null)[],
  shim?: (number | null)[],
  events = [
    { label: 'ready', row: 1 },
    { label: 'exit', row: 3 },
    { label: 'end', row: 4 },
  ],
): SampledSeries {
  const columns: SampledSeries['columns'] = {
    'cgroup.memory_usage_bytes': {
      unit: 'bytes',
      source: 'cgroup.v1.memory.usage_in_bytes',
      kind: 'gauge',
      values: usage.map((v) => (v === null ? null : v * MiB)),
    },
  };
  if (shim)
    columns['shim.pss_bytes'] = {
      unit: 'bytes',
      source: 'proc.smaps_rollup.Pss',
      kind: 'gauge',
      values: shim.map((v) => (v === null ? null : v * MiB)),
    };
  return { intervalMs: 100, tMs: usage.map((_, i) => i * 100), columns, events, sampleCostMs: { mean: 0, max: 0 } };
}

test('pays, uses and overhead at READY and exit: a VM (no helper outside the cgroup)', () => {
  const model = memoryModel(series([10, 120, 300, 260, 250]), [
    { at: 'ready', usedBytes: 40 * MiB, source: 'guest.meminfo.MemTotal-MemAvailable' },
    { at: 'exit', usedBytes: 90 * MiB, source: 'guest.meminfo.MemTotal-MemAvailable' },
  ]);
  const pays = model['memory.host_pays_bytes'];
  assert.equal(pays?.atReady, 120 * MiB);
  assert.equal(pays?.atExit, 260 * MiB);
  assert.equal(pays?.peak, 300 * MiB);
  assert.equal(model['memory.guest_uses_bytes']?.atReady, 40 * MiB);
  assert.equal(model['memory.guest_uses_bytes']?.source, 'guest.meminfo.MemTotal-MemAvailable');
  assert.equal(model['memory.overhead_bytes']?.atReady, 80 * MiB);
  assert.equal(model['memory.overhead_bytes']?.atExit, 170 * MiB);
});

test("a container's shim is added row by row, its PSS as last read: a usage peak between two shim readings still counts", () => {
  // The shim's PSS is read on event rows and every tenth full row; row 2 (the highest usage) has none, so it
  // takes row 1's (3 MiB): a 10 s gap between shim readings must not hide a container's peak.
  const model = memoryModel(series([5, 8, 50, 9, 7], [2, 3, null, 4, 3]), [
    { at: 'ready', usedBytes: 6 * MiB, source: 'guest.cgroup' },
  ]);
  const pays = model['memory.host_pays_bytes'];
  assert.equal(pays?.atReady, 11 * MiB);
  assert.equal(pays?.atExit, 13 * MiB);
  assert.equal(pays?.peak, 53 * MiB);
  assert.equal(pays?.samples, 5);
  assert.match(pays?.source ?? '', /shim .* \(as last read\)$/);
  assert.equal(model['memory.overhead_bytes']?.atReady, 5 * MiB);
  assert.equal(model['memory.overhead_bytes']?.atExit, undefined, 'no guest view at exit, so no overhead there');
  assert.equal(model['memory.overhead_bytes']?.samples, 1);
});

test('rows before the first shim reading are left out: no PSS is guessed', () => {
  const model = memoryModel(series([40, 8, 9, 9, 7], [null, 3, null, 3, 3]), []);
  assert.equal(model['memory.host_pays_bytes']?.peak, 12 * MiB);
  assert.equal(model['memory.host_pays_bytes']?.samples, 4);
});

test('no guest view and no EXIT row: uses is missing with the reason, pays falls back to the last row', () => {
  const model = memoryModel(
    series([5, 8, 9, 9, 7], undefined, [
      { label: 'ready', row: 1 },
      { label: 'end', row: 4 },
    ]),
    [],
  );
  assert.equal(model['memory.host_pays_bytes']?.atExit, 7 * MiB);
  assert.equal(model['memory.guest_uses_bytes']?.samples, 0);
  assert.match(model['memory.guest_uses_bytes']?.missingReason ?? '', /no MEMORY line/);
  assert.equal(model['memory.overhead_bytes']?.samples, 0);
  assert.ok(model['memory.overhead_bytes']?.missingReason);
});
