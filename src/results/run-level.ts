import studentTCdf from '@stdlib/stats-base-dists-t-cdf';
import studentTQuantile from '@stdlib/stats-base-dists-t-quantile';
import { mean, median, sumSquares } from './stats.js';

/**
 * The run-level model of `bench check`: a figure's value in one run is the run's median over its trials,
 * and runs of the same software on the same host differ by more than their trials' spread (another tenant,
 * the page cache, a hypervisor's steal, a daemon's warm caches). Trials are nested in runs, so the unit of
 * the test is the run (Firecracker's per-run means; pseudoreplication otherwise): the baseline is several
 * earlier runs of the host, the run medians are taken as normal around a host mean with a between-run spread
 * estimated from those runs, and the current run (or runs, with a confirming run) is tested against them with
 * Student's t on the run medians (pooled variance, df = runs − groups). A figure needs ≥ 2 runs on one side
 * (or a calibrated run-to-run spread) for any verdict but inconclusive.
 */

/** What is known of a figure's run-to-run spread before this check: `bench calibrate`'s A/A runs. */
export interface CalibratedNoise {
  /** Between-run standard deviation of run medians, relative to their mean. */
  relativeSd: number;
  /** Its degrees of freedom (calibration runs − 1). */
  df: number;
}

/** Outcome of the run-level test of one figure, before the family's correction. */
export interface RunLevelTest {
  baselineRuns: number;
  currentRuns: number;
  /** Mean of the baseline runs' medians, and of the current runs' medians. */
  baselineMean: number;
  currentMean: number;
  /** (currentMean − baselineMean) / |baselineMean|; undefined when the baseline's mean is 0. */
  change?: number;
  /** The change oriented so that positive is worse (a slower throughput, a longer boot). */
  worseChange?: number;
  /** Standard deviation of run medians (pooled within the baseline and current groups, and calibration), relative to baselineMean. */
  runSd?: number;
  /** Typical standard deviation of trials within one run, relative to baselineMean (pooled over runs). */
  withinSd?: number;
  /** Degrees of freedom of runSd; 0 when nothing estimates the run-to-run spread. */
  df: number;
  /** Trials per run, on average over both sides. */
  trialsPerRun: number;
  /** Standard error of the change, relative. */
  standardError?: number;
  /** One-sided p-values of "worse" and of "better" (Student's t, df above); undefined when df is 0. */
  pWorse?: number;
  pBetter?: number;
}

/** A run's medians of one figure, per run; runs without values are dropped. */
function runMedians(runs: readonly (readonly number[])[]): number[] {
  return runs.filter((values) => values.length > 0).map((values) => median(values));
}

/** Pooled within-run standard deviation of the trials (runs with ≥ 2 trials). */
function pooledWithinSd(runs: readonly (readonly number[])[]): number | undefined {
  const usable = runs.filter((values) => values.length >= 2);
  const df = usable.reduce((sum, values) => sum + values.length - 1, 0);
  if (df === 0) return undefined;
  return Math.sqrt(usable.reduce((sum, values) => sum + sumSquares(values), 0) / df);
}

/** The spread of a median of `trials` near-normal values of spread `sd`: Var(median) ≈ (π/2) σ²/n. */
function medianSpread(sd: number, trials: number): number {
  return Math.sqrt(Math.PI / 2) * (sd / Math.sqrt(trials));
}

/** Upper-tail probability of Student's t with `df` degrees of freedom. */
export function upperTail(t: number, df: number): number {
  return 1 - studentTCdf(t, df);
}

const quantiles = new Map<string, number>();

/** The (1 − level) quantile of Student's t with `df` degrees of freedom (cached: a check asks for few distinct ones, many times). */
function criticalT(level: number, df: number): number {
  const key = `${level}|${df}`;
  let value = quantiles.get(key);
  if (value === undefined) {
    value = studentTQuantile(1 - level, df);
    if (quantiles.size > 10_000) quantiles.clear();
    quantiles.set(key, value);
  }
  return value;
}

/**
 * Test one figure's current run(s) against the host's earlier runs. `direction` is what is better. The
 * variance of a run's median is estimated from the spread of run medians within each group (baseline, current)
 * and, where given, from a calibration: under "no change" the current runs are draws of the same distribution.
 */
export function testRunLevel(
  baselineRuns: readonly (readonly number[])[],
  currentRuns: readonly (readonly number[])[],
  direction: 'higher' | 'lower',
  calibrated?: CalibratedNoise,
): RunLevelTest {
  const base = runMedians(baselineRuns);
  const now = runMedians(currentRuns);
  const sizes = [...baselineRuns, ...currentRuns].filter((values) => values.length > 0).map((values) => values.length);
  const test: RunLevelTest = {
    baselineRuns: base.length,
    currentRuns: now.length,
    baselineMean: base.length ? mean(base) : NaN,
    currentMean: now.length ? mean(now) : NaN,
    df: 0,
    trialsPerRun: sizes.length ? mean(sizes) : 0,
  };
  if (base.length === 0 || now.length === 0) return test;
  const centre = test.baselineMean;
  const scale = Math.abs(centre);
  if (scale === 0) return test;
  const within = pooledWithinSd([...baselineRuns, ...currentRuns]);
  const change = (test.currentMean - centre) / scale;
  const worseChange = direction === 'higher' ? -change : change;
  const observedDf = Math.max(0, base.length - 1) + Math.max(0, now.length - 1);
  const observedSs = (base.length > 1 ? sumSquares(base) : 0) + (now.length > 1 ? sumSquares(now) : 0);
  // The calibration's spread is relative: in this figure's units it is relativeSd × |baseline mean|.
  const calibratedDf = calibrated && calibrated.df > 0 ? calibrated.df : 0;
  const calibratedSs = calibratedDf > 0 ? calibratedDf * (calibrated!.relativeSd * scale) ** 2 : 0;
  const df = observedDf + calibratedDf;
  const withTrials = { ...test, change, worseChange, ...(within === undefined ? {} : { withinSd: within / scale }) };
  if (df === 0) return withTrials;
  const runSd = Math.sqrt((observedSs + calibratedSs) / df);
  const standardError = runSd * Math.sqrt(1 / base.length + 1 / now.length);
  const relativeError = standardError / scale;
  if (standardError === 0) {
    // Identical run medians (a deterministic figure): any difference is beyond the noise, none is none.
    const pWorse = worseChange > 0 ? 0 : 1;
    const pBetter = worseChange < 0 ? 0 : 1;
    return { ...withTrials, runSd: 0, df, standardError: 0, pWorse, pBetter };
  }
  const t = worseChange / relativeError;
  return {
    ...withTrials,
    runSd: runSd / scale,
    df,
    standardError: relativeError,
    pWorse: upperTail(t, df),
    pBetter: upperTail(-t, df),
  };
}

/**
 * The one-sided upper confidence bound of the worse-direction change at confidence 1 − level: the non-inferiority
 * half of an equivalence test ("not worse than the threshold"). Undefined without an estimate of the noise.
 */
export function worseBound(test: RunLevelTest, level: number): number | undefined {
  if (test.worseChange === undefined || test.standardError === undefined || test.df === 0) return undefined;
  return test.worseChange + criticalT(level, test.df) * test.standardError;
}

/** The largest number of baseline runs `runsToDecide` looks for. */
const maxRunsSearched = 200;

/**
 * How many baseline runs (with the current runs as they are) would let this figure be decided at the noise seen:
 * either called unchanged (its bound below the threshold) or regressed (its change beyond the threshold and
 * significant at `regressionLevel`). Uses the estimated run-to-run spread, or, where none is estimated yet,
 * the within-run spread of a run median as a lower bound (runs never vary less than their trials say).
 * Undefined when no number of baseline runs up to 200 decides it (the change sits at the threshold itself).
 */
export function runsToDecide(
  test: RunLevelTest,
  threshold: number,
  level: number,
  regressionLevel: number,
): number | undefined {
  if (test.worseChange === undefined || test.currentRuns === 0) return undefined;
  // A run median's spread is at least that of a median of its trials.
  const sd =
    test.runSd ??
    (test.withinSd === undefined || test.trialsPerRun === 0
      ? undefined
      : medianSpread(test.withinSd, test.trialsPerRun));
  if (sd === undefined) return undefined;
  const extraDf = Math.max(0, test.currentRuns - 1);
  for (let runs = Math.max(2, test.baselineRuns + 1); runs <= maxRunsSearched; runs++) {
    const error = sd * Math.sqrt(1 / runs + 1 / test.currentRuns);
    const df = runs - 1 + extraDf;
    if (test.worseChange + criticalT(level, df) * error < threshold) return runs;
    if (test.worseChange > threshold && test.worseChange - criticalT(regressionLevel, df) * error > 0) return runs;
  }
  return undefined;
}

/**
 * The smallest true worse change that this check would flag as regressed with 80 % probability, at the noise and
 * runs seen: beyond the threshold by construction, and beyond what the run-to-run noise lets the test see at its
 * level. Undefined without an estimate of the noise.
 */
export function detectableChange(test: RunLevelTest, threshold: number, level: number): number | undefined {
  if (test.standardError === undefined || test.df === 0) return undefined;
  const power80 = criticalT(0.2, test.df);
  return Math.max(threshold, criticalT(level, test.df) * test.standardError) + power80 * test.standardError;
}

/**
 * Between-run and within-run spread of a figure over several runs (each run's trials), relative to the mean
 * of the run medians: what `bench calibrate` reports and what a calibration file carries to `bench check`.
 * `between` is the spread of run medians beyond what their own trials explain (the variance components of a
 * one-way random-effects model, floored at 0); `runMedians` is the raw spread of run medians.
 */
export function runSpread(
  runs: readonly (readonly number[])[],
): { runs: number; runMediansSd: number; withinSd?: number; betweenSd: number } | undefined {
  const medians = runMedians(runs);
  if (medians.length < 2) return undefined;
  const centre = Math.abs(mean(medians));
  if (centre === 0) return undefined;
  const runMediansSd = Math.sqrt(sumSquares(medians) / (medians.length - 1)) / centre;
  const within = pooledWithinSd(runs);
  const trials = mean(runs.filter((values) => values.length > 0).map((values) => values.length));
  const withinOfMedian = within === undefined ? 0 : medianSpread(within / centre, trials) ** 2;
  return {
    runs: medians.length,
    runMediansSd,
    ...(within === undefined ? {} : { withinSd: within / centre }),
    betweenSd: Math.sqrt(Math.max(0, runMediansSd ** 2 - withinOfMedian)),
  };
}
