import { upperTail } from './run-level.js';
import { mean, sumSquares } from './stats.js';

/**
 * Change points of one series of run medians (a host's runs of one figure, oldest first), the way Otava
 * (formerly Hunter) finds them: E-divisive means (Matteson & James 2014) proposes where the series splits, the
 * split whose two sides differ most in distribution (the energy statistic Q̂ with exponent 1); a Student's t-test
 * between neighbouring segments (pooled variance) decides whether a split is real at `alpha`, its p multiplied by
 * the number of positions the split was chosen from (Bonferroni: the best of many splits looks significant by
 * selection alone; without it, 20 marks fell in 200 series of pure noise). A change point also needs the two
 * sides' means to differ by more than the figure's threshold, as the gate does, so a drift inside the threshold
 * is shown but not marked.
 */

/** One accepted split. */
export interface SeriesChangePoint {
  /** Index of the first run of the new segment. */
  index: number;
  /** Means of the segments before and after, within the segment that was split. */
  meanBefore: number;
  meanAfter: number;
  /** (meanAfter − meanBefore) / |meanBefore|. */
  change: number;
  /** Two-sided p of the t-test between the two sides, times the positions the split was chosen from. */
  p: number;
}

/** Fewest runs a side of a split may have: one run alone is the gate's question, not the history's. */
const minSegment = 2;

/**
 * The E-divisive split of `values[start, end)`: the index τ maximising Q̂ = mn/(m+n) · (2/(mn) Σ|x−y| − mean
 * within-|x−x'| − mean within-|y−y'|), in O(n²) by moving one value at a time from the right side to the left.
 */
export function bestSplit(
  values: readonly number[],
  start: number,
  end: number,
): { index: number; q: number } | undefined {
  const n = end - start;
  if (n < 2 * minSegment) return undefined;
  const at = (i: number) => values[i] as number;
  // Sums of |a − b| over pairs: within the left part, within the right part, and across.
  let left = 0;
  let right = 0;
  let across = 0;
  for (let i = start; i < end; i++) for (let j = i + 1; j < end; j++) right += Math.abs(at(i) - at(j));
  let best: { index: number; q: number } | undefined;
  for (let tau = start + 1; tau < end; tau++) {
    // Move values[tau − 1] from the right part to the left part.
    const moved = at(tau - 1);
    let toLeft = 0;
    let toRight = 0;
    for (let i = start; i < tau - 1; i++) toLeft += Math.abs(at(i) - moved);
    for (let j = tau; j < end; j++) toRight += Math.abs(moved - at(j));
    right -= toRight;
    across += toRight - toLeft;
    left += toLeft;
    const m = tau - start;
    const k = end - tau;
    if (m < minSegment || k < minSegment) continue;
    const energy = (2 * across) / (m * k) - left / ((m * (m - 1)) / 2) - right / ((k * (k - 1)) / 2);
    const q = ((m * k) / (m + k)) * energy;
    if (!best || q > best.q) best = { index: tau, q };
  }
  return best;
}

/** Two-sided p of Student's t-test between two samples with pooled variance (1 when both have no spread and equal means, 0 when they differ). */
export function pooledTTest(a: readonly number[], b: readonly number[]): number {
  const [ma, mb] = [mean(a), mean(b)];
  const df = a.length + b.length - 2;
  if (df < 1) return 1;
  const se = Math.sqrt(((sumSquares(a) + sumSquares(b)) / df) * (1 / a.length + 1 / b.length));
  if (se === 0) return ma === mb ? 1 : 0;
  return 2 * upperTail(Math.abs(ma - mb) / se, df);
}

/** The candidate splits: E-divisive's best split of the whole series, then of each side, down to the smallest segments. */
function candidateSplits(values: readonly number[]): number[] {
  const found: number[] = [];
  const segments: [number, number][] = [[0, values.length]];
  while (segments.length > 0) {
    const [start, end] = segments.pop() as [number, number];
    const split = bestSplit(values, start, end);
    if (!split || !(split.q > 0)) continue;
    found.push(split.index);
    segments.push([start, split.index], [split.index, end]);
  }
  return found.sort((a, b) => a - b);
}

/**
 * Every change point of `values` at `alpha`, beyond `threshold` (a relative change), in index order. As Otava
 * does: every candidate from E-divisive's recursive splits, then the weakest candidate dropped one at a time
 * until each remaining one separates its two neighbouring segments (t-test, p times the positions its split was
 * chosen from, below α; the means differing by more than the threshold). Unlike stopping at the first weak split,
 * this finds a regression and its later fix (100 → 120 → 100), where the whole series' best split alone is weak.
 */
export function findChangePoints(values: readonly number[], alpha: number, threshold: number): SeriesChangePoint[] {
  const points = candidateSplits(values);
  const judge = (index: number): SeriesChangePoint & { keep: boolean } => {
    const at = points[index] as number;
    const start = index === 0 ? 0 : (points[index - 1] as number);
    const end = index === points.length - 1 ? values.length : (points[index + 1] as number);
    const before = values.slice(start, at);
    const after = values.slice(at, end);
    const positions = Math.max(1, end - start - 2 * minSegment + 1);
    const p = Math.min(1, pooledTTest(before, after) * positions);
    const [meanBefore, meanAfter] = [mean(before), mean(after)];
    const change = meanBefore === 0 ? 0 : (meanAfter - meanBefore) / Math.abs(meanBefore);
    return { index: at, meanBefore, meanAfter, change, p, keep: p < alpha && Math.abs(change) > threshold };
  };
  const judged = points.map((_, index) => judge(index));
  for (;;) {
    // The weakest: not kept, and of those the largest p (the least evidence of a shift).
    let weakest = -1;
    judged.forEach((point, index) => {
      if (!point.keep && (weakest < 0 || point.p > (judged[weakest] as SeriesChangePoint).p)) weakest = index;
    });
    if (weakest < 0) break;
    points.splice(weakest, 1);
    judged.splice(weakest, 1);
    // Only the two neighbours' segments changed.
    for (const index of [weakest - 1, weakest]) if (index >= 0 && index < points.length) judged[index] = judge(index);
  }
  return judged.map(({ keep: _keep, ...point }) => point);
}
