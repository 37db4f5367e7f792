import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../../src/results/schema.js';
import { readResult, runBench } from './helpers.js';

test("--target-ci on a real engine: repetitions until the key figures' intervals are narrow enough, with the reason recorded", {
  timeout: 300_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-target-ci-'));
  const run = await runBench([
    'all',
    '--suite',
    'quick',
    '--runtimes',
    'docker',
    '--workloads',
    'cpu',
    '--warmup',
    '0',
    '--target-ci',
    '50%',
    '--min-reps',
    '2',
    '--max-reps',
    '8',
    '--out',
    out,
  ]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assert.deepEqual(result.config.repetitionPolicy, { targetCi: 0.5, minReps: 2, maxReps: 8 });
  const [record] = result.repetitions ?? [];
  assert.ok(record, 'a repetitions record');
  // The stopping rule, derived here independently of twinbench's code: a distribution-free 95 % interval of a
  // median needs order statistics whose coverage 1 - 2·P(Binomial(n, ½) < k) reaches 0.95. Below 6 repetitions
  // none exists (n = 5: 1 - 2/32 = 0.9375); for n = 6, 7, 8 it is the extremes [x(1), x(n)] (coverage 0.969,
  // 0.984, 0.992; [x(2), x(n-1)] would give 0.781, 0.875, 0.930). The run stops at the first n ≥ 6 where every
  // key figure's (max - min) / 2 / median is within ±50 %, else at --max-reps.
  const completed = result.trials.filter((t) => t.state === 'completed');
  assert.equal(completed.length, result.trials.length, 'every trial completed');
  const series: Record<string, number[]> = {
    events_per_s: completed.map((t) => t.metrics.find((m) => m.name === 'events_per_s')!.value),
    'boot.bootToReadyMs': completed.map((t) => t.boot.bootToReadyMs),
    'cgroup.memory_working_set_bytes.peak': completed.map((t) => t.resources['cgroup.memory_working_set_bytes']!.peak!),
  };
  const middle = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const half = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  };
  const width = (values: number[]) => (Math.max(...values) - Math.min(...values)) / 2 / Math.abs(middle(values));
  let expected = 8;
  for (let n = 6; n <= 8; n++) {
    if (Object.values(series).every((values) => values.length >= n && width(values.slice(0, n)) <= 0.5)) {
      expected = n;
      break;
    }
  }
  assert.equal(record.reps, expected, `repetitions: ${record.reps}, by the rule ${expected}`);
  assert.equal(result.trials.length, record.reps);
  assert.deepEqual(
    Object.keys(record.halfWidths).sort(),
    Object.keys(series).sort(),
    "the key figures of the run's only workload: its events/s, boot and working set",
  );
  for (const [figure, values] of Object.entries(series)) {
    const recorded = record.halfWidths[figure];
    assert.ok(
      recorded !== null &&
        recorded !== undefined &&
        Math.abs(recorded - width(values)) <= 1e-9 * Math.max(1, width(values)),
      `${figure}: recorded ±${recorded}, derived ±${width(values)}`,
    );
  }
  assert.equal(
    record.stop,
    Object.values(series).every((values) => width(values) <= 0.5) ? 'target-reached' : 'max-reps',
  );
  assert.match(run.stdout, /## Repetitions \(--target-ci ±50\.0 %, 2 to 8\)/);
});
