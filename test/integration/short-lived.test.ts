import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TrialResult } from '../../src/results/types.js';
import { assertAllCompleted, leftovers, readResult, runBench } from './helpers.js';

const runtimes = ['native', 'docker', 'qemu'] as const;
const reps = 50;

/** Boot time, CPU seconds and the kernel's memory high-water mark: the figures a guest of any length must have. */
function figuresOf(trial: TrialResult): string[] {
  if (trial.state === 'aborted') return ['aborted'];
  const problems: string[] = [];
  if (!(trial.boot && trial.boot.bootToReadyMs > 0)) problems.push('no boot time');
  const cpu = trial.resources?.['cgroup.cpu_seconds'];
  if (!(cpu?.last !== undefined && cpu.last > 0)) problems.push(`no CPU figure (${cpu?.missingReason ?? 'absent'})`);
  const peak = trial.resources?.['cgroup.memory_peak_bytes'];
  if (!(peak?.peak !== undefined && peak.peak > 0)) problems.push(`no peak memory (${peak?.missingReason ?? 'absent'})`);
  return problems.map((problem) => `${trial.trialId}: ${problem}`);
}

function suiteFile(dir: string, workloads: unknown[]): string {
  const path = join(dir, 'suite.json');
  writeFileSync(path, JSON.stringify({ name: 'short-lived', runtimes, workloads }));
  return path;
}

test(`zero-length guests: ${reps} idle trials at duration_s 0 per runtime, each with boot time, CPU seconds and peak memory`, { timeout: 1_200_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-short-'));
  const run = await runBench(['all', '--suite', suiteFile(out, [{ name: 'idle', reps, params: { duration_s: 0 } }]), '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all.slice(-3000));
  const { result } = readResult(run.stdout);
  assertAllCompleted(result, reps * runtimes.length);
  assert.deepEqual(result.trials.flatMap(figuresOf), []);
  for (const runtime of runtimes) {
    const trials = result.trials.filter((t) => t.runtime === runtime && t.state === 'completed');
    assert.equal(trials.length, reps, runtime);
    // The last sample is taken after the guest is gone.
    for (const trial of trials) {
      if (trial.state !== 'completed') continue;
      const last = trial.series.events.at(-1);
      assert.equal(last?.label, 'end', trial.trialId);
      assert.equal(last?.row, trial.series.tMs.length - 1, `${trial.trialId}: no sample after the final one`);
    }
  }
  assert.deepEqual(await leftovers(), []);
});

test('a workload that fails at once is still measured: errored, exit 4, with boot time, CPU seconds and peak memory', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-short-err-'));
  // The idle workload runs `sleep "$duration_s"`: a word there makes it exit 1 straight after READY.
  const run = await runBench(['all', '--suite', suiteFile(out, [{ name: 'idle', reps: 1, params: { duration_s: 'now' } }]), '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 4, run.all.slice(-3000));
  const { result } = readResult(run.stdout);
  assert.equal(result.trials.length, runtimes.length);
  for (const trial of result.trials) {
    assert.equal(trial.state, 'errored', trial.trialId);
    if (trial.state === 'errored') assert.match(trial.error, /workload exited with status 1/);
  }
  assert.deepEqual(result.trials.flatMap(figuresOf), []);
  assert.deepEqual(await leftovers(), []);
});
