import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { zeroLengthRunProblems, zeroLengthSuite } from '../zero-length.js';
import { assertAllCompleted, leftovers, readResult, runBench } from './helpers.js';

const runtimes = ['native', 'docker', 'qemu'] as const;
// A slice of the soak: 10 a runtime here; `npm run bench:soak` runs 50 a runtime and writes its figures (README, "Benchmarks of the harness itself").
const reps = 10;

function suiteFile(dir: string, workloads: unknown[]): string {
  const path = join(dir, 'suite.json');
  writeFileSync(path, JSON.stringify({ name: 'short-lived', runtimes, workloads }));
  return path;
}

test(`zero-length guests: ${reps} idle trials at duration_s 0 per runtime, each with boot time, CPU seconds and peak memory`, {
  timeout: 600_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-short-'));
  const path = join(out, 'suite.json');
  writeFileSync(path, JSON.stringify(zeroLengthSuite(runtimes, reps)));
  const run = await runBench(['all', '--suite', path, '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all.slice(-3000));
  const { result } = readResult(run.stdout);
  assertAllCompleted(result, reps * runtimes.length);
  assert.deepEqual(zeroLengthRunProblems(result), []);
  for (const runtime of runtimes)
    assert.equal(result.trials.filter((t) => t.runtime === runtime && t.state === 'completed').length, reps, runtime);
  assert.deepEqual(await leftovers(), []);
});

test('a workload that fails at once is still measured: errored, exit 4, with boot time, CPU seconds and peak memory', {
  timeout: 300_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-short-err-'));
  // The idle workload runs `sleep "$duration_s"`: a word there makes it exit 1 straight after READY.
  const run = await runBench([
    'all',
    '--suite',
    suiteFile(out, [{ name: 'idle', reps: 1, params: { duration_s: 'now' } }]),
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  assert.equal(run.exitCode, 4, run.all.slice(-3000));
  const { result } = readResult(run.stdout);
  assert.equal(result.trials.length, runtimes.length);
  for (const trial of result.trials) {
    assert.equal(trial.state, 'errored', trial.trialId);
    if (trial.state === 'errored') assert.match(trial.error, /workload exited with status 1/);
  }
  assert.deepEqual(zeroLengthRunProblems(result), []);
  assert.deepEqual(await leftovers(), []);
});
