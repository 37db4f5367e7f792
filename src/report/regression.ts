import { minimumDetectableEffect, permutationShiftTest, repetitionsToReach } from '../results/permutation.js';
import type { MetricSamples } from '../results/samples.js';
import { mean, median } from '../results/stats.js';
import { isTailFigure } from '../config/workload-manifest.js';

/**
 * Verdict for one figure in `bench check`. `underpowered`: its repetitions cannot reach the
 * significance level at all, whatever the data; `insufficient-data`: fewer than 2 values on a side.
 */
export type CheckVerdict = 'regressed' | 'improved' | 'unchanged' | 'underpowered' | 'insufficient-data';

/** One compared figure. */
export interface CheckRow {
  key: string;
  /** The figure's own name (`events_per_s`, `boot.bootToReadyMs`), which decides whether it gates. */
  metric: string;
  unit: string;
  direction: 'higher' | 'lower';
  /** Whether the figure gates (a regression fails the check) or only informs. */
  gates: boolean;
  baselineMedian: number;
  currentMedian: number;
  baselineN: number;
  currentN: number;
  /** The baseline's values, for the minimum detectable effect and the medians' intervals. */
  baselineValues: readonly number[];
  /** The current run's values. */
  currentValues: readonly number[];
  /** (mean(current) − mean(baseline)) / |mean(baseline)|: the change the test is about. */
  change?: number;
  /** One-sided permutation p-value of "current is worse", and of "current is better". */
  pWorse?: number;
  pBetter?: number;
  /** `pWorse` after Holm's adjustment over the gating figures (gating figures only). */
  pAdjusted?: number;
  /** Smallest p the test can give at these repetitions. */
  minP?: number;
  /** Level the figure's own p is held to: α over the gating family (Holm's strictest step), or α. */
  level?: number;
  /** Smallest change of the baseline's own values the test would flag at its level (undefined: none can be). */
  minimumDetectable?: number;
  /** Repetitions per side that would let this figure reach its level. */
  repetitionsNeeded?: number;
  /** Relative change allowed before a significant change counts (0.05 = 5 %). */
  threshold: number;
  verdict: CheckVerdict;
  /** Why, in one line. */
  reason: string;
}

/**
 * Which figures gate: each workload's key figures, and boot time and working set in one workload
 * (`hostFiguresFrom`, the idle one when the run has it): boot measured again in every workload is the
 * same figure, and each extra member of the family makes the correction stricter. Everything else
 * informs. Files from before key figures: every workload figure but its tails.
 */
export function isGatingFigure(figure: Pick<MetricSamples, 'metric' | 'workload' | 'keyFigure'>, hostFiguresFrom: string): boolean {
  if (figure.metric === 'boot.bootToReadyMs' || figure.metric === 'cgroup.memory_working_set_bytes.peak') return figure.workload === hostFiguresFrom;
  if (figure.metric.includes('.')) return false;
  return figure.keyFigure ?? !isTailFigure(figure.metric);
}

/** The workload whose boot and working set gate: `idle` when the samples have it, else the first one by name. */
export function hostFiguresWorkload(samples: Iterable<Pick<MetricSamples, 'workload'>>): string {
  const workloads = [...new Set([...samples].map((entry) => entry.workload))].sort();
  return workloads.includes('idle') ? 'idle' : (workloads[0] ?? 'idle');
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;

/** The test of one figure before the family's correction: p-values, change, power at these repetitions. */
export function testFigure(baseline: MetricSamples, current: MetricSamples, threshold: number, gates: boolean): CheckRow {
  const row: CheckRow = {
    key: baseline.key,
    metric: baseline.metric,
    unit: baseline.unit,
    direction: baseline.direction,
    gates,
    baselineMedian: median(baseline.values),
    currentMedian: median(current.values),
    baselineN: baseline.values.length,
    currentN: current.values.length,
    baselineValues: baseline.values,
    currentValues: current.values,
    threshold,
    verdict: 'insufficient-data',
    reason: `needs ≥ 2 trials on each side (baseline ${baseline.values.length}, current ${current.values.length})`,
  };
  if (baseline.values.length < 2 || current.values.length < 2) return row;
  const worse = baseline.direction === 'lower' ? 'higher' : 'lower';
  const better = worse === 'higher' ? 'lower' : 'higher';
  const worseTest = permutationShiftTest(baseline.values, current.values, worse);
  const base = mean(baseline.values);
  return {
    ...row,
    ...(base === 0 ? {} : { change: (mean(current.values) - base) / Math.abs(base) }),
    pWorse: worseTest.p,
    pBetter: permutationShiftTest(baseline.values, current.values, better).p,
    minP: worseTest.minP,
  };
}

/**
 * Verdicts for a family of tested figures. The gating ones share Holm's correction at `alpha`, so
 * the chance of any false alarm among them stays at most α; a regression needs the corrected p below
 * α **and** the change beyond the figure's threshold in the bad direction (Firecracker's rule). A
 * gating figure whose repetitions cannot reach α at all is `underpowered`, with the repetitions that
 * would. Informative figures get the uncorrected test and never fail the check.
 */
export function judgeFamily(rows: readonly CheckRow[], alpha: number, holm: (p: readonly number[]) => number[]): CheckRow[] {
  const tested = rows.filter((row) => row.gates && row.pWorse !== undefined);
  const adjusted = holm(tested.map((row) => row.pWorse as number));
  const family = tested.length;
  const byKey = new Map(tested.map((row, index) => [row.key, adjusted[index] as number]));
  return rows.map((row) => {
    if (row.pWorse === undefined || row.pBetter === undefined || row.minP === undefined) return row;
    const level = row.gates ? alpha / Math.max(1, family) : alpha;
    const pAdjusted = row.gates ? byKey.get(row.key) : undefined;
    const p = pAdjusted ?? row.pWorse;
    const change = row.change ?? 0;
    const beyond = row.direction === 'lower' ? change > row.threshold : change < -row.threshold;
    const beyondBetter = row.direction === 'lower' ? change < -row.threshold : change > row.threshold;
    const judged: CheckRow = {
      ...row,
      ...(pAdjusted === undefined ? {} : { pAdjusted }),
      level,
      repetitionsNeeded: repetitionsToReach(alpha, row.gates ? family : 1),
    };
    const stated = `${change >= 0 ? '+' : ''}${percent(change)} in the mean, p = ${formatP(p)}${pAdjusted === undefined ? '' : ' (Holm)'}`;
    if (row.minP > level) {
      return { ...judged, verdict: 'underpowered', reason: `${stated}; ${row.baselineN} vs ${row.currentN} repetitions cannot reach p < ${alpha}${row.gates ? ` over ${family} gating figures` : ''}: needs ≥ ${judged.repetitionsNeeded} on each side` };
    }
    if (p < alpha && beyond) return { ...judged, verdict: 'regressed', reason: `${stated}, worse than the ${percent(row.threshold)} threshold` };
    // Improvements only inform: Bonferroni over the family keeps them as strict as regressions.
    const pBetter = row.gates ? Math.min(1, row.pBetter * family) : row.pBetter;
    if (pBetter < alpha && beyondBetter) return { ...judged, verdict: 'improved', reason: `${stated.replace(/p = [^ ]+( \(Holm\))?/, `p = ${formatP(pBetter)} for better`)}` };
    const why = p >= alpha ? `not significant at ${alpha}` : `within the ${percent(row.threshold)} threshold`;
    return { ...judged, verdict: 'unchanged', reason: `${stated}, ${why}` };
  });
}

/**
 * Each judged row with its minimum detectable effect at its level: a search of permutation tests,
 * kept apart from the verdicts because it costs about forty tests per figure.
 */
export function addDetectableEffects(rows: readonly CheckRow[]): CheckRow[] {
  return rows.map((row) => {
    if (row.level === undefined) return row;
    const effect = minimumDetectableEffect(row.baselineValues, row.direction === 'lower' ? 'higher' : 'lower', row.level);
    return effect === undefined ? row : { ...row, minimumDetectable: effect };
  });
}

/** p-values as people read them: 3 significant digits, small ones in exponent form. */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(2);
}
