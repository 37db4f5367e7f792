import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../../src/results/random.js';
import { describe, medianInterval, quantile, relativeHalfWidth } from '../../../src/results/stats.js';

test('median, quartiles (type 7), sample stdev', () => {
  const stats = describe([4, 1, 3, 2]);
  assert.ok(stats);
  assert.equal(stats.median, 2.5);
  assert.equal(stats.q1, 1.75);
  assert.equal(stats.q3, 3.25);
  assert.equal(stats.min, 1);
  assert.equal(stats.max, 4);
  assert.ok(Math.abs(stats.stdev - Math.sqrt(5 / 3)) < 1e-12);
});

test('one value: spread zero; no values: no statistics rather than zeros', () => {
  assert.equal(describe([7])?.stdev, 0);
  assert.equal(describe([]), undefined);
  assert.throws(() => quantile([], 0.5), /empty/);
});

test('median interval: order statistics with their exact coverage; none below 6 values at 95 %', () => {
  assert.equal(medianInterval([1, 2, 3, 4, 5]), undefined);
  assert.deepEqual(medianInterval([6, 1, 5, 2, 4, 3]), { low: 1, high: 6, coverage: 1 - 2 / 64 });
  const ten = medianInterval([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
  assert.equal(ten?.low, 2);
  assert.equal(ten?.high, 9);
  assert.ok(Math.abs((ten?.coverage ?? 0) - (1 - 22 / 1024)) < 1e-12);
  assert.equal(relativeHalfWidth([100, 100, 100, 100, 100, 110]), 0.05);
  assert.equal(relativeHalfWidth([1, 2]), undefined);
});

test('median interval: covers the true median at least 95 % of the time on a skewed distribution (2,000 seeds)', () => {
  const random = seededRandom(7);
  for (const n of [6, 10, 20]) {
    let covered = 0;
    for (let seed = 0; seed < 2000; seed++) {
      // Exponential(1): median ln 2, long right tail like boot times.
      const sample = Array.from({ length: n }, () => -Math.log(1 - random()));
      const interval = medianInterval(sample);
      if (interval && interval.low <= Math.LN2 && Math.LN2 <= interval.high) covered++;
    }
    console.log(`median interval coverage, n = ${n}: ${(covered / 2000).toFixed(3)}`);
    assert.ok(covered / 2000 >= 0.94, `n = ${n}: ${covered / 2000}`);
  }
});
