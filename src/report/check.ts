import { parsePercentFlag } from '../config/resolve-suite.js';
import { UsageError } from '../errors.js';
import type { Figure } from '../results/figures.js';
import type { ResultFile } from '../results/types.js';
import { dimensionDifferences, hostIdentity } from './host-dimensions.js';
import { summarizeRun, type RunSummary } from './run-summary.js';
import { holmAdjust } from '../results/permutation.js';
import type { CalibratedNoise } from '../results/run-level.js';
import { findChangePoints } from '../results/change-points.js';
import { median } from '../results/stats.js';
import { basename } from 'node:path';
import { judgeFamily, testFigure, type CheckRow } from './regression.js';
import { hostFiguresWorkload, isGatingFigure } from '../results/figures.js';

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
  /** Let gating figures that are inconclusive pass (`--allow-underpowered`): exit 0 instead of 7, marked waived. */
  allowUnderpowered?: boolean;
  /** Each figure's run-to-run spread measured by `bench calibrate` (from `--thresholds`), pooled with the baseline runs'. */
  runNoise?: Readonly<Record<string, CalibratedNoise>>;
}

/** Something about the current run as a whole that fails the check (unless waived by a flag). */
export interface RunProblem {
  kind: 'errored-trials' | 'interrupted' | 'missing-runtime' | 'missing-figure' | 'inconclusive';
  message: string;
  /** Waived by `--allow-errored` / `--allow-underpowered`: shown, does not fail. */
  waived: boolean;
}

/** What the gate says of the current run as a whole. */
type CheckOutcome = 'regressed' | 'unchanged' | 'inconclusive';

/** The outcome of `bench check`. */
export interface CheckReport {
  mode: 'absolute' | 'ratios';
  alpha: number;
  /** How the gating figures' p-values were corrected, for the output. */
  correction: string;
  /** Baseline runs used, and current runs (two with a confirming run). */
  baselineRuns: number;
  currentRuns: number;
  /** Baseline files left out (another host, the current run itself…), with the reason. */
  skippedBaselines: { path: string; reason: string }[];
  rows: CheckRow[];
  /** Keys of the baseline that the current file does not have. */
  missing: string[];
  problems: RunProblem[];
  /** Host settings, versions and config that differ between the latest baseline run and the current one (`name: baseline → current`). */
  hostDifferences: string[];
  /** `regressed`: a gating regression or an unwaived problem (exit 1); `inconclusive`: a gating figure undecided (exit 7); `unchanged`: exit 0. */
  outcome: CheckOutcome;
  /** Whether the check fails: outcome `regressed`. */
  failed: boolean;
}

/** What about the current run as a whole makes its figures untrustworthy: the gate fails closed on each. */
function runProblems(
  baseline: RunSummary,
  current: ResultFile,
  missing: readonly string[],
  options: CheckOptions,
): RunProblem[] {
  const waived = options.allowErrored === true;
  const problems: RunProblem[] = [];
  const failed = current.trials.filter((trial) => trial.state !== 'completed');
  if (failed.length > 0) {
    const named = failed
      .slice(0, 5)
      .map(
        (trial) =>
          `${trial.trialId} (${trial.state === 'errored' ? trial.error : trial.state === 'aborted' ? trial.reason : ''})`,
      );
    problems.push({
      kind: 'errored-trials',
      message: `${failed.length} of ${current.trials.length} trials did not complete: ${named.join('; ')}${failed.length > 5 ? '; …' : ''}`,
      waived,
    });
  }
  if (current.status !== 'completed')
    problems.push({ kind: 'interrupted', message: `the current run's status is "${current.status}"`, waived });
  for (const runtime of baseline.runtimes.filter((name) => !(name in current.runtimes))) {
    problems.push({ kind: 'missing-runtime', message: `the baseline ran ${runtime}, the current run did not`, waived });
  }
  if (missing.length > 0)
    problems.push({
      kind: 'missing-figure',
      message: `${missing.length} figure(s) of the baseline are not in the current run: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      waived,
    });
  return problems;
}

/** The newest of some runs, by their start. */
function newest(runs: readonly RunSummary[]): RunSummary {
  return runs.reduce((latest, run) => (Date.parse(run.startedAt) >= Date.parse(latest.startedAt) ? run : latest));
}

/** The baseline runs that are the current run's host (unless comparing across hosts), without the current runs themselves. */
function usableBaselines(
  baseline: readonly RunSummary[],
  currents: readonly ResultFile[],
  options: CheckOptions,
): { runs: RunSummary[]; skipped: { path: string; reason: string }[] } {
  const current = currents[0]!;
  const currentIds = new Set(currents.map((run) => run.runId));
  const skipped: { path: string; reason: string }[] = [];
  const runs = baseline.filter((run) => {
    const why = currentIds.has(run.runId)
      ? 'it is the current run'
      : run.arch !== current.config.arch && !options.crossHost
        ? `it ran ${run.arch} guests, the current run ${current.config.arch}`
        : run.identity !== hostIdentity(current) && !options.crossHost
          ? `another host (${run.hostname}, ${run.cpu})`
          : undefined;
    if (why) skipped.push({ path: run.path, reason: why });
    return why === undefined;
  });
  if (runs.length > 0) return { runs, skipped };
  if (baseline.length === 0) throw new UsageError('no baseline run to compare with');
  const latest = newest(baseline);
  if (latest.arch !== current.config.arch && !options.crossHost) {
    throw new UsageError(
      `baseline ran ${latest.arch} guests, current ${current.config.arch}: absolute figures of different architectures do not compare; pass --cross-host to compare VM/container ratios`,
    );
  }
  if (latest.identity !== hostIdentity(current) && !options.crossHost) {
    throw new UsageError(
      `baseline is from ${latest.hostname} (${latest.cpu}), current from ${current.host.hostname} (${current.host.cpu.brand}): absolute figures from different hosts do not compare; pass --cross-host to compare VM/container ratios`,
    );
  }
  throw new UsageError(
    `no baseline run left to compare with: ${skipped.map((run) => `${run.path} (${run.reason})`).join('; ')}`,
  );
}

/**
 * Test the current run(s) against the host's earlier runs, figure by figure, with the run-level model
 * (src/results/run-level.ts): a regression must stand out from the host's own run-to-run variation. Results
 * from different hosts are refused unless `crossHost`, which compares VM/container ratios instead.
 */
export function checkRuns(
  baseline: readonly RunSummary[],
  currents: readonly ResultFile[],
  options: CheckOptions,
): CheckReport {
  if (currents.length === 0) throw new UsageError('the current result file is required');
  const mode = options.crossHost ? 'ratios' : 'absolute';
  const { runs, skipped } = usableBaselines(baseline, currents, options);
  // What the baseline ran, and how its host was set up: its newest run.
  const latest = newest(runs);
  const now = currents.map((result) => summarizeRun('', result, mode));
  const keys = new Map<string, Figure>();
  for (const run of runs) for (const [key, entry] of run.samples) keys.set(key, entry);
  if (keys.size === 0)
    throw new UsageError(
      `the baseline has no completed trial to compare${mode === 'ratios' ? ' with both runtimes' : ''}`,
    );
  const latestKeys = latest.samples;
  const tested: CheckRow[] = [];
  const missing: string[] = [];
  const notes = new Map<string, string>();
  const hostFiguresFrom = hostFiguresWorkload(keys.values());
  for (const [key, entry] of keys) {
    const current = now.map((run) => run.samples.get(key)).filter((found): found is Figure => found !== undefined);
    const definition = current[0];
    if (!definition) {
      if (latestKeys.has(key)) missing.push(key);
      continue;
    }
    // Only runs that measured the figure the way the current run does count: a changed unit or source is another figure.
    const matching = runs.filter((run) => {
      const found = run.samples.get(key);
      return (
        found !== undefined &&
        found.values.length > 0 &&
        found.unit === definition.unit &&
        found.source === definition.source
      );
    });
    if (matching.length === 0) {
      throw new UsageError(
        `cannot check ${key}: its definition differs (${entry.unit}, ${entry.source} in the baseline; ${definition.unit}, ${definition.source} now)`,
      );
    }
    const threshold = options.threshold ?? options.thresholds?.[key] ?? defaultThreshold(entry.metric);
    // A history that shifted (a kernel update, a deliberate change) is the host's level since its last shift only.
    const since = lastShift(matching, key, options.alpha ?? defaultAlpha, threshold);
    if (since) notes.set(key, since.note);
    const used = since ? matching.slice(since.index) : matching;
    tested.push(
      testFigure(
        definition,
        used.map((run) => run.samples.get(key)!.values),
        current.map((found) => found.values),
        threshold,
        isGatingFigure(definition, hostFiguresFrom),
        options.runNoise?.[key],
      ),
    );
  }
  const alpha = options.alpha ?? defaultAlpha;
  const rows = judgeFamily(tested, alpha, holmAdjust).map((row) =>
    notes.has(row.key) ? { ...row, reason: `${row.reason}; ${notes.get(row.key)}` } : row,
  );
  const problems = currents.flatMap((current) => runProblems(latest, current, missing, options));
  const undecided = rows.filter(
    (row) => row.gates && (row.verdict === 'inconclusive' || row.verdict === 'insufficient-data'),
  );
  if (undecided.length > 0) {
    const needed = undecided.map((row) => row.runsNeeded).filter((n): n is number => n !== undefined);
    problems.push({
      kind: 'inconclusive',
      message: `${undecided.length} gating figure(s) neither regressed nor shown unchanged (e.g. ${undecided[0]?.key}: ${undecided[0]?.reason})${needed.length ? `; up to ${Math.max(...needed)} baseline runs at this noise would decide them` : ''}`,
      waived: options.allowUnderpowered === true,
    });
  }
  const gating = rows.filter((row) => row.gates).length;
  const failed =
    rows.some((row) => row.gates && row.verdict === 'regressed') ||
    problems.some((problem) => !problem.waived && problem.kind !== 'inconclusive');
  const inconclusive = problems.some((problem) => !problem.waived && problem.kind === 'inconclusive');
  return {
    mode,
    alpha,
    correction: `Holm over ${gating} gating figures (family-wise error ≤ ${alpha})`,
    baselineRuns: runs.length,
    currentRuns: currents.length,
    skippedBaselines: skipped,
    rows,
    missing,
    problems,
    hostDifferences: dimensionDifferences(latest.dimensions, now.at(-1)!.dimensions),
    outcome: failed ? 'regressed' : inconclusive ? 'inconclusive' : 'unchanged',
    failed,
  };
}

/** Where a figure's baseline runs last shifted (the change points `bench history` finds), if they did. */
function lastShift(
  runs: readonly RunSummary[],
  key: string,
  alpha: number,
  threshold: number,
): { index: number; note: string } | undefined {
  if (runs.length < 4) return undefined;
  const points = findChangePoints(
    runs.map((run) => median(run.samples.get(key)!.values)),
    alpha,
    threshold,
  );
  const last = points.at(-1);
  if (!last) return undefined;
  const change = `${last.change >= 0 ? '+' : ''}${(last.change * 100).toFixed(1)} %`;
  return {
    index: last.index,
    note: `the history shifted ${change} at ${basename(runs[last.index]!.path)}: the ${runs.length - last.index} run(s) since are the baseline`,
  };
}

/** `bench check` of one baseline file: the same model with one baseline run (its run-to-run noise must come from `--thresholds`). */
export function checkResults(baseline: ResultFile, current: ResultFile, options: CheckOptions): CheckReport {
  return checkRuns([summarizeRun('baseline', baseline, options.crossHost ? 'ratios' : 'absolute')], [current], options);
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
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(text.trim()) || !(value > 0) || value > 0.5)
    throw new UsageError(
      `--alpha must be a probability above 0 and at most 0.5, like 0.01, got ${JSON.stringify(text)}`,
    );
  return value;
}
