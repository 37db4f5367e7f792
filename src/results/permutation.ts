import { seededRandom } from './random.js';

/** Outcome of a one-sided permutation test of a shift in location between two samples. */
export interface ShiftTest {
  /** P(a relabelling of the pooled values is at least as far in the worse direction as observed). */
  p: number;
  /** The smallest p this test can give at these sample sizes: one split in all possible ones. */
  minP: number;
  /** Every split enumerated (true), or a seeded Monte Carlo sample of them. */
  exact: boolean;
  /** Splits evaluated. */
  permutations: number;
}

/** Pooled samples up to this size are counted exactly (2 × 2^(N/2) half-sums); beyond, a seeded Monte Carlo sample. */
const maxExactPooled = 36;
const monteCarloResamples = 20_000;

/** C(n, k) as a float (exact for the sizes that matter here). */
export function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - i + 1)) / i;
  return result;
}

/**
 * One-sided permutation test, as Firecracker's A/B tests do: the statistic is the difference of
 * means, oriented so that positive means `current` is worse (`worse: 'higher'` for a latency, `'lower'`
 * for a throughput). It is linear in the sum of the values labelled `current`, so the exact p-value is
 * the share of the C(n₁+n₂, n₂) relabellings whose sum is at least as extreme: counted exactly (meet in
 * the middle) for up to 36 pooled values, else from 20 000 seeded random relabellings with the +1
 * correction. Valid at any sample size and for any distribution: under "no change" labels are exchangeable.
 */
export function permutationShiftTest(
  baseline: readonly number[],
  current: readonly number[],
  worse: 'higher' | 'lower',
  seed = 1,
): ShiftTest {
  const pooled = [...baseline, ...current];
  const nc = current.length;
  // Flip the sign for "lower is worse", so that "at least as extreme" is always "sum at least as large".
  const sign = worse === 'higher' ? 1 : -1;
  const values = pooled.map((value) => sign * value);
  const observed = current.reduce((sum, value) => sum + sign * value, 0);
  // Sums of floats in another order differ in the last bits: equal sums must count as equal.
  const threshold = observed - 1e-9 * Math.max(1, ...values.map(Math.abs)) * pooled.length;
  const splits = binomial(pooled.length, nc);
  if (pooled.length <= maxExactPooled) {
    return {
      p: countSubsetsAtLeast(values, nc, threshold) / splits,
      minP: 1 / splits,
      exact: true,
      permutations: splits,
    };
  }
  const random = seededRandom(seed);
  let atLeast = 0;
  for (let r = 0; r < monteCarloResamples; r++) {
    let sum = 0;
    // A partial Fisher–Yates shuffle: the first nc positions are a uniform random subset.
    for (let i = 0; i < nc; i++) {
      const j = i + Math.floor(random() * (values.length - i));
      const picked = values[j] as number;
      values[j] = values[i] as number;
      values[i] = picked;
      sum += picked;
    }
    if (sum >= threshold) atLeast++;
  }
  return {
    p: (atLeast + 1) / (monteCarloResamples + 1),
    minP: Math.max(1 / splits, 1 / (monteCarloResamples + 1)),
    exact: false,
    permutations: monteCarloResamples,
  };
}

/** Sums of every subset of `values`, grouped by subset size. */
function subsetSumsBySize(values: readonly number[]): number[][] {
  const bySize: number[][] = Array.from({ length: values.length + 1 }, () => []);
  const walk = (index: number, size: number, sum: number): void => {
    if (index === values.length) return void bySize[size]?.push(sum);
    walk(index + 1, size, sum);
    walk(index + 1, size + 1, sum + (values[index] as number));
  };
  walk(0, 0, 0);
  return bySize;
}

/** How many k-element subsets of `values` (by position) sum to at least `threshold`: meet in the middle. */
export function countSubsetsAtLeast(values: readonly number[], k: number, threshold: number): number {
  const half = Math.floor(values.length / 2);
  const left = subsetSumsBySize(values.slice(0, half));
  const right = subsetSumsBySize(values.slice(half)).map((sums) => sums.sort((a, b) => a - b));
  let count = 0;
  left.forEach((sums, size) => {
    const partners = right[k - size];
    if (!partners || partners.length === 0) return;
    for (const sum of sums) count += partners.length - lowerBound(partners, threshold - sum);
  });
  return count;
}

/** Index of the first element ≥ target in an ascending array. */
function lowerBound(sorted: readonly number[], target: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < target) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Holm's step-down adjustment: controls the family-wise error rate (the chance of any false alarm
 * among the figures) at α for any dependence between them. Returns adjusted p-values in input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}
