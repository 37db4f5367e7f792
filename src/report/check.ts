import { parsePercentFlag } from '../config/resolve-suite.js';
import { UsageError } from '../errors.js';
import { collectSamples, type MetricSamples } from '../results/samples.js';
import type { ResultFile } from '../results/types.js';
import { hostDifferences, sameHost } from './host-dimensions.js';
import { ratioSamples } from './ratios.js';
import { holmAdjust } from '../results/permutation.js';
import { addDetectableEffects, hostFiguresWorkload, isGatingFigure, judgeFamily, testFigure, type CheckRow } from './regression.js';

/** Default allowed change per kind of figure: boot time and CPU time are noisier than throughput. */
export function defaultThreshold(metric: string): number {
  if (metric.startsWith('boot.') || metric.includes('cpu_seconds')) return 0.1;
  return 0.05;
}

/** Default significance level of `bench check` (Firecracker's A/B tests use the same). */
export const defaultAlpha = 0.01;

/** Options of `bench check`. */
export interface CheckOptions {
  /** One threshold for every metric (from `--threshold`), overriding the defaults. */
  threshold?: number;
  /** Per-key thresholds (from `bench calibrate`), used before the defaults. */
  thresholds?: Readonly<Record<string, number>>;
  crossHost: boolean;
  /** Family-wise significance level over the gating figures (`--alpha`, default 0.01). */
  alpha?: number;
  /** Let a current run with errored or aborted trials, an interruption or missing figures pass (`--allow-errored`). */
  allowErrored?: boolean;
  /** Let gating figures whose repetitions cannot reach α pass (`--allow-underpowered`). */
  allowUnderpowered?: boolean;
  /** Compute each figure's minimum detectable effect (about forty permutation tests per figure; default true). */
  detectableEffects?: boolean;
}

/** Something about the current run as a whole that fails the check (unless waived by a flag). */
export interface RunProblem {
  kind: 'errored-trials' | 'interrupted' | 'missing-runtime' | 'missing-figure' | 'too-few-repetitions';
  message: string;
  /** Waived by `--allow-errored` / `--allow-underpowered`: shown, does not fail. */
  waived: boolean;
}

/** The outcome of `bench check`. */
export interface CheckReport {
  mode: 'absolute' | 'ratios';
  alpha: number;
  /** How the gating figures' p-values were corrected, for the output. */
  correction: string;
  rows: CheckRow[];
  /** Keys of the baseline that the current file does not have. */
  missing: string[];
  problems: RunProblem[];
  /** Host settings, versions and config that differ between the two runs (`name: baseline → current`): they can move figures by themselves. */
  hostDifferences: string[];
  /** Whether the check fails: a gating regression, or any problem not waived. */
  failed: boolean;
}

/** What about the current run as a whole makes its figures untrustworthy: the gate fails closed on each. */
function runProblems(baseline: ResultFile, current: ResultFile, missing: readonly string[], options: CheckOptions): RunProblem[] {
  const waived = options.allowErrored === true;
  const problems: RunProblem[] = [];
  const failed = current.trials.filter((trial) => trial.state !== 'completed');
  if (failed.length > 0) {
    const named = failed.slice(0, 5).map((trial) => `${trial.trialId} (${trial.state === 'errored' ? trial.error : trial.state === 'aborted' ? trial.reason : ''})`);
    problems.push({ kind: 'errored-trials', message: `${failed.length} of ${current.trials.length} trials did not complete: ${named.join('; ')}${failed.length > 5 ? '; …' : ''}`, waived });
  }
  if (current.status !== 'completed') problems.push({ kind: 'interrupted', message: `the current run's status is "${current.status}"`, waived });
  for (const runtime of Object.keys(baseline.runtimes).filter((name) => !(name in current.runtimes))) {
    problems.push({ kind: 'missing-runtime', message: `the baseline ran ${runtime}, the current run did not`, waived });
  }
  if (missing.length > 0) problems.push({ kind: 'missing-figure', message: `${missing.length} figure(s) of the baseline are not in the current run: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`, waived });
  return problems;
}

/**
 * Compare a current result with a baseline, metric by metric. Results from different hosts are
 * refused unless `crossHost`, which compares VM/container ratios instead of absolute figures.
 */
export function checkResults(baseline: ResultFile, current: ResultFile, options: CheckOptions): CheckReport {
  if (baseline.config.arch !== current.config.arch && !options.crossHost) {
    throw new UsageError(
      `baseline ran ${baseline.config.arch} guests, current ${current.config.arch}: absolute figures of different architectures do not compare; pass --cross-host to compare VM/container ratios`,
    );
  }
  const crossHost = !sameHost(baseline, current);
  if (crossHost && !options.crossHost) {
    throw new UsageError(
      `baseline is from ${baseline.host.hostname} (${baseline.host.cpu.brand}), current from ${current.host.hostname} (${current.host.cpu.brand}): absolute figures from different hosts do not compare; pass --cross-host to compare VM/container ratios`,
    );
  }
  const mode = options.crossHost ? 'ratios' : 'absolute';
  const pick = (result: ResultFile): Map<string, MetricSamples> => (mode === 'ratios' ? ratioSamples(result) : collectSamples(result));
  const base = pick(baseline);
  const now = pick(current);
  if (base.size === 0) throw new UsageError(`the baseline has no completed trial to compare${mode === 'ratios' ? ' with both runtimes' : ''}`);
  const tested: CheckRow[] = [];
  const missing: string[] = [];
  const hostFiguresFrom = hostFiguresWorkload(base.values());
  for (const [key, entry] of base) {
    const other = now.get(key);
    if (!other) {
      missing.push(key);
      continue;
    }
    if (other.unit !== entry.unit || other.source !== entry.source) {
      throw new UsageError(`cannot check ${key}: its definition differs (${entry.unit}, ${entry.source} in the baseline; ${other.unit}, ${other.source} now)`);
    }
    const threshold = options.threshold ?? options.thresholds?.[key] ?? defaultThreshold(entry.metric);
    tested.push(testFigure(entry, other, threshold, isGatingFigure(entry, hostFiguresFrom)));
  }
  const alpha = options.alpha ?? defaultAlpha;
  const judged = judgeFamily(tested, alpha, holmAdjust);
  const rows = options.detectableEffects === false ? judged : addDetectableEffects(judged);
  const problems = runProblems(baseline, current, missing, options);
  const weak = rows.filter((row) => row.gates && (row.verdict === 'underpowered' || row.verdict === 'insufficient-data'));
  if (weak.length > 0) {
    const needed = Math.max(...weak.map((row) => row.repetitionsNeeded ?? 2));
    problems.push({
      kind: 'too-few-repetitions',
      message: `${weak.length} gating figure(s) cannot reach p < ${alpha} at their repetitions (e.g. ${weak[0]?.key}, ${weak[0]?.baselineN} vs ${weak[0]?.currentN}); ≥ ${needed} repetitions on each side would`,
      waived: options.allowUnderpowered === true,
    });
  }
  const gating = rows.filter((row) => row.gates).length;
  const failed = rows.some((row) => row.gates && row.verdict === 'regressed') || problems.some((problem) => !problem.waived);
  return { mode, alpha, correction: `Holm over ${gating} gating figures (family-wise error ≤ ${alpha})`, rows, missing, problems, hostDifferences: hostDifferences(baseline, current), failed };
}

/** Parse `--threshold` (`5%`, `0.05`, `5`) into a fraction; throws a UsageError naming the value. */
export function parseThreshold(text: string): number {
  const problems: string[] = [];
  const fraction = parsePercentFlag('--threshold', text, problems);
  if (fraction === undefined) throw new UsageError(problems.join('; '));
  return fraction;
}

/** Parse `--alpha` (a probability in (0, 0.5]); throws a UsageError naming the value. */
export function parseAlpha(text: string): number {
  const value = Number(text);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(text.trim()) || !(value > 0) || value > 0.5) throw new UsageError(`--alpha must be a probability above 0 and at most 0.5, like 0.01, got ${JSON.stringify(text)}`);
  return value;
}
