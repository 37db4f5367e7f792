import { bootstrapRatioOfMedians, type RatioEstimate } from '../results/bootstrap.js';
import type { MetricSamples } from '../results/samples.js';

/** Verdict for one metric in `bench check`. */
export type CheckVerdict = 'regressed' | 'improved' | 'unchanged' | 'insufficient-data';

/** One compared metric. */
export interface CheckRow {
  key: string;
  unit: string;
  direction: 'higher' | 'lower';
  baselineMedian: number;
  currentMedian: number;
  estimate?: RatioEstimate;
  /** Relative change allowed before a significant change counts (0.05 = 5 %). */
  threshold: number;
  verdict: CheckVerdict;
  /** Why, in one line. */
  reason: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Judge one metric. A regression needs the whole confidence interval of the ratio of medians beyond
 * the threshold in the bad direction: the change is then both significant (the interval excludes 1)
 * and larger than the threshold. Testing only the point estimate against the threshold raised false
 * alarms on identical distributions with 5 trials (about 1 in 60 seeds).
 */
export function judgeMetric(baseline: MetricSamples, current: MetricSamples, threshold: number, seed = 1): CheckRow {
  const base = { key: baseline.key, unit: baseline.unit, direction: baseline.direction, baselineMedian: median(baseline.values), currentMedian: median(current.values), threshold };
  const estimate = bootstrapRatioOfMedians(baseline.values, current.values, { seed });
  if (!estimate) {
    return { ...base, verdict: 'insufficient-data', reason: `needs ≥ 2 trials on each side (baseline ${baseline.values.length}, current ${current.values.length})` };
  }
  const worse = baseline.direction === 'lower' ? estimate.low > 1 + threshold : estimate.high < 1 - threshold;
  const better = baseline.direction === 'lower' ? estimate.high < 1 - threshold : estimate.low > 1 + threshold;
  const significant = estimate.low > 1 || estimate.high < 1;
  const change = `${((estimate.ratio - 1) * 100).toFixed(1)} % (${Math.round(estimate.confidence * 100)} % CI ${((estimate.low - 1) * 100).toFixed(1)} … ${((estimate.high - 1) * 100).toFixed(1)} %)`;
  if (worse) return { ...base, estimate, verdict: 'regressed', reason: `${change}, worse than the ${(threshold * 100).toFixed(1)} % threshold` };
  if (better) return { ...base, estimate, verdict: 'improved', reason: change };
  const why = !significant ? 'not significant' : `not clearly beyond the ${(threshold * 100).toFixed(1)} % threshold`;
  return { ...base, estimate, verdict: 'unchanged', reason: `${change}, ${why}` };
}
