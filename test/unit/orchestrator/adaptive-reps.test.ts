import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  keyFigureWidths,
  nextRound,
  repetitionRecords,
  type AdaptivePlan,
} from '../../../src/orchestrator/adaptive-reps.js';
import type { TrialResult } from '../../../src/results/types.js';

/** A completed trial with one key figure and a boot time. */
function trial(runtime: 'docker' | 'qemu', workload: string, rep: number, value: number, bootMs = 1000): TrialResult {
  return {
    trialId: `${runtime}-${workload}-${rep}`,
    runtime,
    workload,
    rep,
    startedAt: '2026-11-27T00:00:00Z',
    state: 'completed',
    boot: { bootToReadyMs: bootMs, phases: [] },
    metrics:
      workload === 'idle'
        ? []
        : [{ name: 'events_per_s', value, unit: 'events/s', source: 'guest', direction: 'higher', keyFigure: true }],
    resources: {},
    series: { intervalMs: 100, tMs: [], columns: {}, events: [], missing: {}, sampleCostMs: [] },
  } as unknown as TrialResult;
}

const plan: AdaptivePlan = {
  policy: { targetCi: 0.05, minReps: 6, maxReps: 10 },
  runtimes: ['docker', 'qemu'],
  workloads: ['idle', 'cpu'],
  declaredKeys: new Map([
    ['idle', []],
    ['cpu', ['events_per_s']],
  ]),
};

test("key figures: the workload's declared ones, and boot only in the idle workload", () => {
  const trials = [1, 2, 3, 4, 5, 6].flatMap((rep) => [
    trial('docker', 'cpu', rep, 100 + rep),
    trial('docker', 'idle', rep, 0, 1000 + rep),
  ]);
  const cpu = keyFigureWidths(trials, 'docker', 'cpu', ['events_per_s'], 'idle');
  assert.deepEqual(Object.keys(cpu), ['events_per_s']);
  assert.ok(Math.abs((cpu.events_per_s ?? 0) - (106 - 101) / 2 / 103.5) < 1e-12);
  assert.deepEqual(Object.keys(keyFigureWidths(trials, 'docker', 'idle', [], 'idle')), ['boot.bootToReadyMs']);
  // A declared key figure without values is not reached.
  assert.deepEqual(keyFigureWidths([], 'qemu', 'cpu', ['events_per_s'], 'idle'), { events_per_s: null });
});

test('the next round holds only the pairs outside the target, and nothing beyond --max-reps', () => {
  const steady = (runtime: 'docker' | 'qemu', workload: string) =>
    [1, 2, 3, 4, 5, 6].map((rep) => trial(runtime, workload, rep, 100));
  const noisy = [1, 2, 3, 4, 5, 6].map((rep) => trial('qemu', 'cpu', rep, rep % 2 ? 100 : 200));
  const erroredIdle: TrialResult[] = [1, 2, 3, 4, 5, 6].map((rep) => ({
    trialId: `qemu-idle-${rep}`,
    runtime: 'qemu',
    workload: 'idle',
    rep,
    startedAt: '',
    state: 'errored',
    error: 'no READY',
  }));
  const trials = [...steady('docker', 'idle'), ...erroredIdle, ...steady('docker', 'cpu'), ...noisy];
  assert.deepEqual(nextRound(plan, trials, 7), [
    { runtime: 'qemu', workload: 'idle' },
    { runtime: 'qemu', workload: 'cpu' },
  ]);
  assert.deepEqual(nextRound(plan, trials, 11), []);
  const records = repetitionRecords(plan, trials, false);
  assert.deepEqual(
    records.map((r) => `${r.runtime}/${r.workload}:${r.stop}`),
    ['docker/idle:target-reached', 'qemu/idle:max-reps', 'docker/cpu:target-reached', 'qemu/cpu:max-reps'],
  );
  assert.equal(
    repetitionRecords(plan, trials, true).find((r) => r.runtime === 'qemu' && r.workload === 'cpu')?.stop,
    'interrupted',
  );
});
