import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostFiguresWorkload, isGatingFigure, judgeFamily, testFigure, type CheckRow } from '../../../src/report/regression.js';
import { seededRandom } from '../../../src/results/random.js';
import { holmAdjust } from '../../../src/results/permutation.js';
import type { MetricSamples } from '../../../src/results/samples.js';

/** Normal samples via Box-Muller from a seeded generator. */
function normal(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

const figure = (index: number, values: number[], direction: 'higher' | 'lower' = 'higher'): MetricSamples => ({
  key: `docker/cpu/metric_${index}`, runtime: 'docker', workload: 'cpu', metric: `metric_${index}`, unit: 'events/s', source: 'guest', direction, values,
});

/** Judge a family of `size` figures, each `n` vs `n` values at `noise` % noise, the first one's current values shifted by `shift`. */
function judge(seed: number, size: number, n: number, shift: number, alpha = 0.01, noise = 5): CheckRow[] {
  const random = seededRandom(seed);
  const rows = Array.from({ length: size }, (_, index) =>
    testFigure(figure(index, normal(random, n, 100, noise)), figure(index, normal(random, n, index === 0 ? 100 * (1 - shift) : 100, noise)), 0.05, true));
  return judgeFamily(rows, alpha, holmAdjust);
}

test('simulation: the false-alarm rate on identical distributions stays below α (1,000 seeds, exact permutation test)', () => {
  const seeds = 1000;
  for (const [size, n] of [[1, 5], [1, 8], [10, 8], [27, 10]] as const) {
    let alarms = 0;
    for (let seed = 1; seed <= seeds; seed++) if (judge(seed, size, n, 0).some((row) => row.verdict === 'regressed')) alarms++;
    console.log(`false alarms, ${size} figure(s) × ${n} vs ${n} repetitions, α = 0.01: ${alarms} / ${seeds} = ${(alarms / seeds).toFixed(4)}`);
    assert.ok(alarms / seeds <= 0.01, `${alarms} false alarms in ${seeds}`);
  }
});

test('simulation: power to find a 10 % drop, by repetitions and noise (the default suite runs 10; ~27 figures gate)', () => {
  const seeds = 300;
  const power = (n: number, size = 1, noise = 5, runs = seeds) => {
    let found = 0;
    for (let seed = 1; seed <= runs; seed++) if (judge(seed, size, n, 0.1, 0.01, noise)[0]?.verdict === 'regressed') found++;
    return found / runs;
  };
  const table = [3, 5, 8, 10].map((n) => [n, power(n)] as const);
  for (const [n, p] of table) console.log(`power, 10 % drop at 5 % noise, ${n} vs ${n} repetitions, one figure, α = 0.01: ${p.toFixed(2)}`);
  for (const noise of [2, 5]) {
    console.log(`power, 10 % drop at ${noise} % noise, 10 vs 10 repetitions, one of 27 gating figures (Holm): ${power(10, 27, noise, 100).toFixed(2)}`);
  }
  // 3 vs 3 cannot reach 0.01 at all: the check says so (underpowered) instead of passing silently.
  assert.equal(table[0]?.[1], 0);
  assert.equal(judge(1, 1, 3, 0.1)[0]?.verdict, 'underpowered');
  assert.ok((table[3]?.[1] ?? 0) >= 0.8, `power at 10 repetitions: ${table[3]?.[1]}`);
});

test('a regression needs significance and a change beyond the threshold; improvements are told apart', () => {
  const big = judgeFamily([testFigure(figure(0, [100, 101, 99, 100, 100, 101]), figure(0, [80, 81, 79, 80, 80, 81]), 0.05, true)], 0.01, holmAdjust)[0];
  assert.equal(big?.verdict, 'regressed');
  const better = judgeFamily([testFigure(figure(0, [100, 101, 99, 100, 100, 101]), figure(0, [120, 121, 119, 120, 120, 121]), 0.05, true)], 0.01, holmAdjust)[0];
  assert.equal(better?.verdict, 'improved');
  // Significant, but 2 % is inside a 5 % threshold.
  const small = judgeFamily([testFigure(figure(0, [100, 100.1, 99.9, 100, 100, 100.1]), figure(0, [98, 98.1, 97.9, 98, 98, 98.1]), 0.05, true)], 0.01, holmAdjust)[0];
  assert.equal(small?.verdict, 'unchanged');
  assert.equal(testFigure(figure(0, [100]), figure(0, [80, 81]), 0.05, true).verdict, 'insufficient-data');
});

test('key figures gate, with boot and working set of the idle workload; tails and secondary resources inform', () => {
  const fig = (metric: string, workload = 'disk', keyFigure?: boolean) => ({ metric, workload, ...(keyFigure === undefined ? {} : { keyFigure }) });
  for (const figure of [fig('boot.bootToReadyMs', 'idle'), fig('cgroup.memory_working_set_bytes.peak', 'idle'), fig('randread_4k_iops', 'disk', true)]) {
    assert.ok(isGatingFigure(figure, 'idle'), figure.metric);
  }
  // Boot measured again in the disk workload, a declared non-key figure, tails and secondary resources only inform.
  for (const figure of [fig('boot.bootToReadyMs'), fig('randread_4k_clat_p50_us', 'disk', false), fig('guest.pss_bytes.peak', 'idle'), fig('cgroup.cpu_seconds.atReady', 'idle')]) {
    assert.ok(!isGatingFigure(figure, 'idle'), `${figure.workload}/${figure.metric}`);
  }
  // Files from before key figures: every workload figure but its tails.
  assert.ok(isGatingFigure(fig('randread_4k_clat_p50_us'), 'idle'));
  assert.ok(!isGatingFigure(fig('randread_4k_clat_p99_us'), 'idle'));
  assert.equal(hostFiguresWorkload([{ workload: 'disk' }, { workload: 'cpu' }]), 'cpu');
  assert.equal(hostFiguresWorkload([{ workload: 'disk' }, { workload: 'idle' }]), 'idle');
});
