import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../../src/results/schema.js';
import { relativeHalfWidth } from '../../src/results/stats.js';
import { readResult, runBench } from './helpers.js';

test('--target-ci on a real engine: repetitions until the key figures\' intervals are narrow enough, with the reason recorded', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-target-ci-'));
  const run = await runBench(['all', '--suite', 'quick', '--runtimes', 'docker', '--workloads', 'cpu', '--warmup', '0', '--target-ci', '50%', '--min-reps', '2', '--max-reps', '8', '--out', out]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assert.deepEqual(result.config.repetitionPolicy, { targetCi: 0.5, minReps: 2, maxReps: 8 });
  const [record] = result.repetitions ?? [];
  assert.ok(record, 'a repetitions record');
  // No 95 % interval of a median exists below 6 repetitions, so at least 6 ran; never more than --max-reps.
  assert.ok(record.reps >= 6 && record.reps <= 8, `${record.reps} repetitions`);
  assert.equal(result.trials.length, record.reps);
  // Key figures of the run's only workload: its events/s, and boot and working set (no idle workload here).
  assert.deepEqual(Object.keys(record.halfWidths).sort(), ['boot.bootToReadyMs', 'cgroup.memory_working_set_bytes.peak', 'events_per_s']);
  // The recorded widths are those of the trials in the file, and the stop reason agrees with them.
  const events = result.trials.flatMap((t) => (t.state === 'completed' ? t.metrics.filter((m) => m.name === 'events_per_s').map((m) => m.value) : []));
  assert.equal(record.halfWidths.events_per_s, relativeHalfWidth(events) ?? null);
  const reached = Object.values(record.halfWidths).every((w) => w !== null && w <= 0.5);
  assert.equal(record.stop, reached ? 'target-reached' : 'max-reps');
  if (record.reps < 8) assert.equal(record.stop, 'target-reached');
  assert.match(run.stdout, /## Repetitions \(--target-ci ±50\.0 %, 2 to 8\)/);
});
