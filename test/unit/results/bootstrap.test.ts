import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapRatioOfMedians, seededRandom } from '../../../src/results/bootstrap.js';
import { judgeMetric } from '../../../src/report/regression.js';
import type { MetricSamples } from '../../../src/results/samples.js';

/** Normal samples via Box-Muller from a seeded generator. */
function normal(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

const samples = (values: number[], direction: 'higher' | 'lower' = 'lower'): MetricSamples => ({
  key: 'qemu/idle/boot.bootToReadyMs', runtime: 'qemu', workload: 'idle', metric: 'boot.bootToReadyMs', unit: 'ms', source: 'host.clock', direction, values,
});

test('the interval brackets the true ratio of medians of a known shift', () => {
  const random = seededRandom(7);
  const estimate = bootstrapRatioOfMedians(normal(random, 30, 100, 3), normal(random, 30, 120, 3));
  assert.ok(estimate);
  assert.ok(estimate.low < 1.2 && estimate.high > 1.2, JSON.stringify(estimate));
  assert.ok(Math.abs(estimate.ratio - 1.2) < 0.03);
});

test('no false alarm on identical distributions, over 300 seeds', () => {
  let alarms = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const random = seededRandom(seed);
    const row = judgeMetric(samples(normal(random, 5, 100, 5)), samples(normal(random, 5, 100, 5)), 0.05, seed);
    if (row.verdict === 'regressed') alarms++;
  }
  assert.equal(alarms, 0, `${alarms} false alarms in 300`);
});

test('a 20 % slowdown with 2 % noise is found with 5 trials, in every direction', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const random = seededRandom(seed);
    assert.equal(judgeMetric(samples(normal(random, 5, 100, 2)), samples(normal(random, 5, 120, 2)), 0.05, seed).verdict, 'regressed');
    // For a throughput, 20 % lower is the regression and 20 % higher an improvement.
    assert.equal(judgeMetric(samples(normal(random, 5, 100, 2), 'higher'), samples(normal(random, 5, 80, 2), 'higher'), 0.05, seed).verdict, 'regressed');
    assert.equal(judgeMetric(samples(normal(random, 5, 100, 2), 'higher'), samples(normal(random, 5, 120, 2), 'higher'), 0.05, seed).verdict, 'improved');
  }
});

test('a significant change smaller than the threshold is not a regression; one trial is not enough data', () => {
  const random = seededRandom(3);
  assert.equal(judgeMetric(samples(normal(random, 30, 100, 0.5)), samples(normal(random, 30, 103, 0.5)), 0.05).verdict, 'unchanged');
  assert.equal(judgeMetric(samples([100]), samples([200]), 0.05).verdict, 'insufficient-data');
});
