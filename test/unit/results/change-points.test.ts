import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestSplit, findChangePoints, pooledTTest } from '../../../src/results/change-points.js';
import { seededRandom } from '../../../src/results/random.js';

const noisy = (seed: number, n: number, level: number, sd: number) => {
  const random = seededRandom(seed);
  return Array.from(
    { length: n },
    () => level + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
};

test('one shift after 8 of 12 runs is found at run 9, and only there', () => {
  const series = [...noisy(1, 8, 100, 1), ...noisy(2, 4, 83, 1)];
  const found = findChangePoints(series, 0.01, 0.05);
  assert.deepEqual(
    found.map((point) => point.index),
    [8],
  );
  assert.ok(Math.abs((found[0]?.change ?? 0) + 0.17) < 0.02, `${found[0]?.change}`);
});

test('two shifts are both found; a drift inside the threshold is not marked', () => {
  const series = [...noisy(3, 10, 100, 1), ...noisy(4, 10, 120, 1), ...noisy(5, 10, 100, 1)];
  assert.deepEqual(
    findChangePoints(series, 0.01, 0.05).map((point) => point.index),
    [10, 20],
  );
  const small = [...noisy(6, 10, 100, 0.5), ...noisy(7, 10, 103, 0.5)];
  assert.deepEqual(findChangePoints(small, 0.01, 0.05), []);
  assert.deepEqual(
    findChangePoints(small, 0.01, 0.02).map((point) => point.index),
    [10],
  );
});

test('noise alone: no change point in 200 seeded series of 30 runs at 5 % noise, α = 0.01', () => {
  let marked = 0;
  for (let seed = 1; seed <= 200; seed++) marked += findChangePoints(noisy(seed, 30, 100, 5), 0.01, 0.05).length;
  assert.ok(marked <= 4, `${marked} change points in pure noise`);
});

test('bestSplit maximises the energy statistic; the t-test is two-sided and exact for constant sides', () => {
  assert.equal(bestSplit([1, 1, 1, 5, 5, 5], 0, 6)?.index, 3);
  assert.equal(bestSplit([1, 2, 3], 0, 3), undefined);
  assert.equal(pooledTTest([1, 1], [1, 1]), 1);
  assert.equal(pooledTTest([1, 1], [2, 2]), 0);
  assert.ok(Math.abs(pooledTTest([1, 2, 3], [2, 3, 4]) - 0.2879) < 1e-3);
});
