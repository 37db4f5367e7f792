import type { Figure } from '../results/figures.js';
import {
  detectableChange,
  runsToDecide,
  testRunLevel,
  worseBound,
  type CalibratedNoise,
  type RunLevelTest,
} from '../results/run-level.js';

/**
 * Verdict for one figure in `bench check`, Pinpoint-style: `regressed` (worse beyond its threshold, beyond what
 * the host's run-to-run noise explains, after Holm's correction over the gating figures), `unchanged` (with
 * confidence 1 − α not worse than its threshold: the non-inferiority half of an equivalence test), `improved`
 * (better beyond the threshold, significantly), or `inconclusive` (neither: its reason and `runsNeeded` say what
 * would decide it).
 * `insufficient-data`: a side has no value of the figure at all.
 */
type CheckVerdict = 'regressed' | 'improved' | 'unchanged' | 'inconclusive' | 'insufficient-data';

/** One compared figure. */
export interface CheckRow {
  key: string;
  /** The figure's own name (`events_per_s`, `boot.bootToReadyMs`), which decides whether it gates. */
  metric: string;
  unit: string;
  direction: 'higher' | 'lower';
  /** Whether the figure gates (a regression fails the check) or only informs. */
  gates: boolean;
  /** Mean of the baseline runs' medians, and of the current runs' medians. */
  baselineMedian: number;
  currentMedian: number;
  /** Trials on each side, all runs together. */
  baselineN: number;
  currentN: number;
  /** The values of every baseline run together, and of the current run(s), for the summary's medians and intervals. */
  baselineValues: readonly number[];
  currentValues: readonly number[];
  /** The run-level test (src/results/run-level.ts), with the runs on each side that measured the figure. */
  test: RunLevelTest;
  /** (mean of current run medians − mean of baseline run medians) / |baseline|. */
  change?: number;
  /** One-sided p of "worse" and of "better" on run medians (Student's t). */
  pWorse?: number;
  pBetter?: number;
  /** `pWorse` after Holm's adjustment over the figure's family (the gating figures, or the informative ones). */
  pAdjusted?: number;
  /** Upper bound of the worse-direction change at confidence 1 − α: below the threshold means unchanged. */
  bound?: number;
  /** The true worse change this check flags with 80 % probability at the noise and runs seen. */
  detectable?: number;
  /** Baseline runs that would decide an inconclusive figure at the noise seen (undefined: none up to 200). */
  runsNeeded?: number;
  /** Relative change allowed before a significant change counts (0.05 = 5 %). */
  threshold: number;
  verdict: CheckVerdict;
  /** Why, in one line. */
  reason: string;
}

const percent = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)} %`;

/** One figure before the family's correction: its run medians on both sides and the run-level test. */
export function testFigure(
  figure: Pick<Figure, 'key' | 'metric' | 'unit' | 'direction'>,
  baselineRuns: readonly (readonly number[])[],
  currentRuns: readonly (readonly number[])[],
  threshold: number,
  gates: boolean,
  calibrated?: CalibratedNoise,
): CheckRow {
  const test = testRunLevel(baselineRuns, currentRuns, figure.direction, calibrated);
  return {
    key: figure.key,
    metric: figure.metric,
    unit: figure.unit,
    direction: figure.direction,
    gates,
    baselineMedian: test.baselineMean,
    currentMedian: test.currentMean,
    baselineN: baselineRuns.reduce((sum, run) => sum + run.length, 0),
    currentN: currentRuns.reduce((sum, run) => sum + run.length, 0),
    baselineValues: baselineRuns.flat(),
    currentValues: currentRuns.flat(),
    test,
    ...(test.change === undefined ? {} : { change: test.change }),
    ...(test.pWorse === undefined ? {} : { pWorse: test.pWorse, pBetter: test.pBetter as number }),
    threshold,
    verdict: 'insufficient-data',
    reason: `no value on ${test.baselineRuns === 0 ? 'the baseline' : 'the current'} side`,
  };
}

/**
 * Verdicts for a family of tested figures. The gating ones share Holm's correction at `alpha` on their "worse"
 * p-values, so the chance of any false alarm among them stays at most α; a regression needs the corrected p
 * below α **and** the change beyond the figure's threshold in the bad direction (Firecracker's rule).
 * `unchanged` needs each figure's own bound below its threshold at 1 − α (an intersection–union test: no
 * correction is needed for "every figure unchanged"). Informative figures are judged alike, with Holm's
 * correction over their own family, and never fail the check.
 */
export function judgeFamily(
  rows: readonly CheckRow[],
  alpha: number,
  holm: (p: readonly number[]) => number[],
): CheckRow[] {
  // Two families, each with its own Holm correction: the gating figures, and the informative ones (so that a
  // "regressed" label means the same evidence in both tables, though only the first family fails the check).
  const families = [true, false].map((gates) => rows.filter((row) => row.gates === gates && row.pWorse !== undefined));
  const byKey = new Map<string, number>();
  for (const members of families) {
    const adjusted = holm(members.map((row) => row.pWorse as number));
    for (const [index, row] of members.entries()) byKey.set(row.key, adjusted[index] as number);
  }
  const familySize = (row: CheckRow) => Math.max(1, (families[row.gates ? 0 : 1] as CheckRow[]).length);
  return rows.map((row) => {
    if (row.test.baselineRuns === 0 || row.test.currentRuns === 0) return row;
    const worse = row.test.worseChange;
    const family = familySize(row);
    const regressionLevel = alpha / family;
    // Searched only for undecided figures: up to 200 quantiles each.
    const needed = () => runsToDecide(row.test, row.threshold, alpha, regressionLevel);
    if (worse === undefined)
      return { ...row, verdict: 'inconclusive', reason: 'its baseline mean is 0, so no relative change exists' };
    if (row.pWorse === undefined || row.pBetter === undefined) {
      const runsNeeded = needed();
      const decide =
        runsNeeded === undefined
          ? '≥ 2 baseline runs (or `bench calibrate`) would estimate it'
          : `${runsNeeded} baseline runs at this noise would decide it`;
      return {
        ...row,
        ...(runsNeeded === undefined ? {} : { runsNeeded }),
        verdict: 'inconclusive',
        reason: `${percent(row.change ?? 0)} in the run medians, ${row.test.baselineRuns} baseline run(s) and ${row.test.currentRuns} current: the run-to-run noise is not estimated; ${decide}`,
      };
    }
    const pAdjusted = byKey.get(row.key);
    const p = pAdjusted ?? row.pWorse;
    const bound = worseBound(row.test, alpha) as number;
    const detectable = detectableChange(row.test, row.threshold, regressionLevel);
    const judged: CheckRow = {
      ...row,
      ...(pAdjusted === undefined ? {} : { pAdjusted }),
      bound,
      ...(detectable === undefined ? {} : { detectable }),
    };
    const stated = `${percent(row.change ?? 0)} in the run medians (${row.test.baselineRuns} vs ${row.test.currentRuns} runs, run-to-run sd ${((row.test.runSd ?? 0) * 100).toFixed(1)} %), p = ${formatP(p)}${pAdjusted === undefined ? '' : ' (Holm)'}`;
    if (p < alpha && worse > row.threshold)
      return {
        ...judged,
        verdict: 'regressed',
        reason: `${stated}, worse than the ${(row.threshold * 100).toFixed(1)} % threshold`,
      };
    // Improvements only inform: Bonferroni over the family keeps them as strict as regressions.
    const pBetter = Math.min(1, row.pBetter * family);
    if (pBetter < alpha && worse < -row.threshold)
      return {
        ...judged,
        verdict: 'improved',
        reason: `${percent(row.change ?? 0)} in the run medians, p = ${formatP(pBetter)} for better`,
      };
    if (bound < row.threshold)
      return {
        ...judged,
        verdict: 'unchanged',
        reason: `${stated}; with ${((1 - alpha) * 100).toFixed(0)} % confidence not worse than ${percent(bound)}, inside the ${(row.threshold * 100).toFixed(1)} % threshold`,
      };
    const confirm =
      worse > row.threshold
        ? 'a confirming run or more baseline runs would decide it'
        : 'more baseline runs would decide it';
    const runsNeeded = needed();
    return {
      ...judged,
      ...(runsNeeded === undefined ? {} : { runsNeeded }),
      verdict: 'inconclusive',
      reason:
        `${stated}; could be up to ${percent(bound)} worse, beyond the ${(row.threshold * 100).toFixed(1)} % threshold: ` +
        (runsNeeded === undefined
          ? `no number of baseline runs decides it: one run's own spread is about the threshold; a confirming run, or a threshold from \`bench calibrate\`, would`
          : `${confirm} (${runsNeeded} baseline runs at this noise)`),
    };
  });
}

/** p-values as people read them: 2 significant digits, small ones in exponent form. */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(2);
}
