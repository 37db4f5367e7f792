import { hostname } from 'node:os';
import { ExitCode, TrialsFailedError, UsageError, type ExitCodeValue } from '../errors.js';
import { readResultFile } from '../results/read.js';
import { figuresOf } from '../results/figures.js';
import { runSpread } from '../results/run-level.js';
import type { ResultFile } from '../results/types.js';
import { writeFileAtomic } from '../results/write.js';
import { checkRuns, defaultAlpha } from '../report/check.js';
import { summarizeRun } from '../report/run-summary.js';
import { markdownTable } from '../report/format.js';
import { ratioSamples } from '../report/ratios.js';
import { benchRun } from '../orchestrator/bench-run.js';
import { runHooks, type AllFlags } from './all.js';
import type { CommandIo } from './io.js';

/** Smallest threshold proposed: below this, run-to-run drift on any host dominates. */
const floor = 0.02;

/** How many run-to-run standard deviations a proposed threshold spans: a change that size is not the host's own wander. */
const spreadsPerThreshold = 2.5;

/** A figure's run-to-run and within-run spread over the calibration runs, and the threshold proposed from it. */
export interface FigureNoise {
  runs: number;
  /** Standard deviation of the run medians, relative to their mean: what `bench check` weighs a new run against. */
  runMediansSd: number;
  /** The part of it the trials within a run do not explain (0 when they explain all of it). */
  betweenSd: number;
  /** The trials' own spread within a run, relative. */
  withinSd?: number;
  threshold: number;
}

/**
 * Each figure's noise over N A/A runs of the same software (absolute keys and, where both runtimes ran, the
 * VM/container ratio keys that `--cross-host` checks): the spread of run medians, split into what the trials
 * explain and what is the runs' own, and a threshold of 2.5 run-to-run standard deviations (at least 2 %, rounded
 * up to 0.5 %, at most 90 %: beyond that the figure is too unstable to gate on).
 */
export function measureRunNoise(results: readonly ResultFile[]): Record<string, FigureNoise> {
  const noise: Record<string, FigureNoise> = {};
  for (const pick of [(result: ResultFile) => figuresOf(result).shown, ratioSamples] as const) {
    const perRun = results.map((result) => pick(result));
    const keys = new Set(perRun.flatMap((samples) => [...samples.keys()]));
    for (const key of keys) {
      const spread = runSpread(perRun.map((samples) => samples.get(key)?.values ?? []));
      if (!spread) continue;
      const threshold = Math.min(
        0.9,
        Math.max(floor, Math.ceil(spreadsPerThreshold * spread.runMediansSd * 200) / 200),
      );
      noise[key] = {
        runs: spread.runs,
        runMediansSd: spread.runMediansSd,
        betweenSd: spread.betweenSd,
        ...(spread.withinSd === undefined ? {} : { withinSd: spread.withinSd }),
        threshold,
      };
    }
  }
  return noise;
}

/** Refuse a calibration run that did not complete every trial: its noise is not the host's. */
function requireComplete(result: ResultFile, path: string): void {
  const failed = result.trials.filter((trial) => trial.state !== 'completed');
  if (failed.length > 0 || result.status !== 'completed') {
    throw new TrialsFailedError(
      `calibrate: ${path} has ${failed.length} trial(s) that did not complete${result.status === 'completed' ? '' : ` and status "${result.status}"`}; thresholds from a broken run would be wrong`,
    );
  }
}

/**
 * `bench calibrate [--runs N]`: run the suite N times (A/A, default 5), refuse broken runs, measure each figure's
 * run-to-run noise and write it with a threshold per figure for `bench check --thresholds`; then check each run
 * against the others as the gate would (leave one out): every regressed gating figure there is a false alarm.
 */
export async function runCalibrate(
  flags: AllFlags & { thresholdsOut?: string; runs?: string },
  io: CommandIo,
): Promise<ExitCodeValue> {
  const count = flags.runs === undefined ? 5 : Number(flags.runs);
  if (!Number.isInteger(count) || count < 3 || count > 100)
    throw new UsageError(
      `--runs must be a whole number from 3 to 100 (two runs cannot estimate run-to-run noise with any confidence), got ${JSON.stringify(flags.runs)}`,
    );
  const jsonPaths: string[] = [];
  for (let pass = 1; pass <= count; pass++) {
    io.log(`calibrate: run ${pass} of ${count}`);
    const outcome = await benchRun(flags, runHooks(io));
    io.log(`calibrate: run ${pass} written to ${outcome.jsonPath}`);
    if (io.signal.aborted) return io.signal.reason?.exitCode ?? ExitCode.interrupted;
    jsonPaths.push(outcome.jsonPath);
  }
  // Read back as any reader would: what is checked is what was written.
  const results: ResultFile[] = [];
  for (const path of jsonPaths) {
    const result = await readResultFile(path);
    requireComplete(result, path);
    results.push(result);
  }
  const noise = measureRunNoise(results);
  const thresholds = Object.fromEntries(Object.entries(noise).map(([key, figure]) => [key, figure.threshold]));
  const runNoise = Object.fromEntries(
    Object.entries(noise).map(([key, figure]) => [key, { relativeSd: figure.runMediansSd, df: figure.runs - 1 }]),
  );
  // Leave one out at the default thresholds, the run-level model as the gate uses it: each regressed gating figure is a false alarm.
  const alarms: string[] = [];
  let inconclusive = 0;
  let gatingFigures = 0;
  const summaries = results.map((result, index) => summarizeRun(jsonPaths[index] ?? '', result));
  results.forEach((result, index) => {
    const report = checkRuns(
      summaries.filter((_, other) => other !== index),
      [result],
      { crossHost: false, allowUnderpowered: true },
    );
    const gating = report.rows.filter((row) => row.gates);
    gatingFigures = gating.length;
    alarms.push(...gating.filter((row) => row.verdict === 'regressed').map((row) => `run ${index + 1}: ${row.key}`));
    inconclusive += gating.filter((row) => row.verdict === 'inconclusive').length;
  });
  const selfCheck = {
    method: 'leave-one-out',
    runs: count,
    gatingFigures,
    falseAlarms: alarms,
    inconclusive,
    alpha: defaultAlpha,
  };
  const out = flags.thresholdsOut ?? 'results/thresholds.json';
  await writeFileAtomic(
    out,
    `${JSON.stringify({ kind: 'twinbench-thresholds', version: 3, host: hostname(), createdAt: new Date().toISOString(), runs: jsonPaths, thresholds, runNoise, noise, selfCheck }, null, 2)}\n`,
  );
  const pct = (value: number | undefined) => (value === undefined ? '—' : `${(value * 100).toFixed(2)} %`);
  const table = markdownTable(
    ['figure', 'runs', 'run medians sd', 'between-run sd', 'within-run sd', 'threshold'],
    Object.entries(noise).map(([key, figure]) => [
      key,
      String(figure.runs),
      pct(figure.runMediansSd),
      pct(figure.betweenSd),
      pct(figure.withinSd),
      pct(figure.threshold),
    ]),
  );
  io.out(
    [
      `calibrate: run-to-run noise over ${count} A/A runs, and thresholds of ${spreadsPerThreshold} run-to-run sd (at least 2 %):`,
      '',
      ...table,
      '',
      `calibrate: each run checked against the other ${count - 1} at default thresholds: ${alarms.length} false alarm(s) among ${gatingFigures} gating figures × ${count} runs${alarms.length ? ` (${alarms.join(', ')})` : ''}` +
        `${inconclusive ? `; ${inconclusive} inconclusive` : ''}`,
      out,
    ].join('\n'),
  );
  return ExitCode.ok;
}
