import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binomial, countSubsetsAtLeast, holmAdjust, permutationShiftTest } from '../../../src/results/permutation.js';

test('exact test: with 3 vs 3 the smallest p is 1/20, reached only when every current value is worse', () => {
  const worst = permutationShiftTest([10, 11, 12], [20, 21, 22], 'higher');
  assert.equal(worst.exact, true);
  assert.equal(worst.permutations, 20);
  assert.equal(worst.minP, 1 / 20);
  assert.equal(worst.p, 1 / 20);
  // The same data seen for a throughput (lower is worse) is as unremarkable as it gets.
  assert.equal(permutationShiftTest([10, 11, 12], [20, 21, 22], 'lower').p, 1);
  // Identical samples: every split is at least as extreme as a zero difference in half the cases or more.
  assert.ok(permutationShiftTest([5, 6, 7], [5, 6, 7], 'higher').p >= 0.5);
});

test('large samples fall back to a seeded Monte Carlo test that gives the same p for the same seed', () => {
  const base = Array.from({ length: 20 }, (_, i) => 100 + (i % 5));
  const current = base.map((value) => value + 3);
  const first = permutationShiftTest(base, current, 'higher', 9);
  assert.equal(first.exact, false);
  assert.equal(first.p, permutationShiftTest(base, current, 'higher', 9).p);
  assert.ok(first.p < 0.01 && first.p >= first.minP, JSON.stringify(first));
});

test("Holm's adjustment: sorted step-down, monotone, capped at 1, in input order", () => {
  assert.deepEqual(holmAdjust([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06]);
  assert.deepEqual(holmAdjust([0.5, 0.9]), [1, 1]);
  assert.deepEqual(holmAdjust([]), []);
});

test('C(n, k) as a float', () => {
  assert.equal(binomial(6, 3), 20);
  assert.equal(binomial(16, 8), 12870);
});

test('the meet-in-the-middle count agrees with brute force on random data', () => {
  const values = [3, -1, 4, 1, -5, 9, 2, 6, 5, -3, 5];
  for (let k = 0; k <= values.length; k++) {
    for (const threshold of [-10, 0, 5, 12.5, 40]) {
      let brute = 0;
      for (let mask = 0; mask < 1 << values.length; mask++) {
        let bits = 0;
        let sum = 0;
        values.forEach((value, index) => {
          if (mask & (1 << index)) {
            bits++;
            sum += value;
          }
        });
        if (bits === k && sum >= threshold) brute++;
      }
      assert.equal(countSubsetsAtLeast(values, k, threshold), brute, `k=${k} threshold=${threshold}`);
    }
  }
});
