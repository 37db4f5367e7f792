import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe, quantile } from '../../../src/results/stats.js';

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
