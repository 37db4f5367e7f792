import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapRatioOfMedians, seededRandom } from '../../../src/results/bootstrap.js';

/** Normal samples via Box-Muller from a seeded generator. */
function normal(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

test('the interval brackets the true ratio of medians of a known shift', () => {
  const random = seededRandom(7);
  const estimate = bootstrapRatioOfMedians(normal(random, 30, 100, 3), normal(random, 30, 120, 3));
  assert.ok(estimate);
  assert.ok(estimate.low < 1.2 && estimate.high > 1.2, JSON.stringify(estimate));
  assert.ok(Math.abs(estimate.ratio - 1.2) < 0.03);
});
