import { appendFile, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { readResultFile } from '../results/read.js';
import { writeFileAtomic } from '../results/write.js';
import { checkRuns, parseAlpha, parseThreshold } from '../report/check.js';
import { summarizeRun, type RunSummary } from '../report/run-summary.js';
import type { CalibratedNoise } from '../results/run-level.js';
import { readResults } from '../results/read-many.js';
import { describeWaived, renderCheckMarkdown, renderJunit } from '../report/check-output.js';
import { currentRatioKey } from '../report/ratios.js';
import type { CommandIo } from './io.js';
import { jsonSyntaxProblem } from '../json-problem.js';

/** Flags of `bench check`. */
export interface CheckFlags {
  baseline?: string[];
  threshold?: string;
  thresholds?: string;
  crossHost?: boolean;
  junit?: string;
  summary?: string;
  alpha?: string;
  allowErrored?: boolean;
  allowUnderpowered?: boolean;
}

/** What a thresholds file from `bench calibrate` holds: a threshold per figure and, from version 3, each figure's run-to-run noise. */
interface CalibrationFile {
  thresholds: Record<string, number>;
  runNoise: Record<string, CalibratedNoise>;
}

/** Read a thresholds file written by `bench calibrate`. */
async function readThresholds(file: string): Promise<CalibrationFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--thresholds ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--thresholds ${file}: cannot read it as JSON (${jsonSyntaxProblem(text, error)})`);
  }
  const value = parsed as { kind?: unknown; thresholds?: Record<string, unknown> };
  if (value.kind !== 'twinbench-thresholds' || typeof value.thresholds !== 'object' || value.thresholds === null) {
    throw new UsageError(`--thresholds ${file}: not a thresholds file from \`bench calibrate\``);
  }
  const bad = Object.entries(value.thresholds).filter(([, t]) => typeof t !== 'number' || !(t > 0) || t >= 1);
  if (bad.length)
    throw new UsageError(
      `--thresholds ${file}: thresholds must be fractions in (0, 1), bad: ${bad
        .map(([k]) => k)
        .slice(0, 3)
        .join(', ')}`,
    );
  // Ratio keys before runtimes were paired by name (`vm/container/…`) read as today's (`qemu/docker/…`).
  const thresholds = Object.fromEntries(
    Object.entries(value.thresholds as Record<string, number>).map(([key, threshold]) => [
      currentRatioKey(key),
      threshold,
    ]),
  );
  const noise = (parsed as { runNoise?: unknown }).runNoise;
  const runNoise: Record<string, CalibratedNoise> = {};
  if (noise !== undefined) {
    if (typeof noise !== 'object' || noise === null)
      throw new UsageError(`--thresholds ${file}: "runNoise" must be an object`);
    for (const [key, entry] of Object.entries(noise as Record<string, { relativeSd?: unknown; df?: unknown }>)) {
      const { relativeSd, df } = entry ?? {};
      if (
        typeof relativeSd !== 'number' ||
        !(relativeSd >= 0) ||
        !Number.isFinite(relativeSd) ||
        !Number.isInteger(df) ||
        (df as number) < 1
      ) {
        throw new UsageError(
          `--thresholds ${file}: runNoise of ${key} must be {"relativeSd": ≥ 0, "df": whole number ≥ 1}`,
        );
      }
      runNoise[currentRatioKey(key)] = { relativeSd, df: df as number };
    }
  }
  return { thresholds, runNoise };
}

/**
 * The baseline runs the `--baseline` paths name, as the check keeps them: each file read, summarised and dropped
 * (a few kB a run), oldest first.
 */
async function readBaseline(
  paths: readonly string[],
  mode: 'absolute' | 'ratios',
): Promise<{ baseline: RunSummary[]; skipped: { path: string; reason: string }[] }> {
  const { files, skipped } = await readResults(
    paths,
    (path, result) => summarizeRun(path, result, mode),
    'bench check --baseline',
  );
  const baseline = files.sort(
    (a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.path.localeCompare(b.path),
  );
  return { baseline, skipped };
}

/**
 * `bench check --baseline HISTORY… CURRENT [CONFIRMING]`: exit 0 when every gating figure is unchanged (or
 * improved), 1 when one regressed or the run cannot be trusted (errored or aborted trials, an interruption,
 * missing figures or runtimes), 7 when a gating figure is inconclusive, 2 for unusable input. Writes JUnit XML
 * and a Markdown summary (also to $GITHUB_STEP_SUMMARY).
 */
export async function runCheck(current: string[], flags: CheckFlags, io: CommandIo): Promise<ExitCodeValue> {
  const problems: string[] = [];
  const baselines = flags.baseline ?? [];
  if (baselines.length === 0) problems.push('--baseline FILE|DIR is required');
  if (current.length === 0) problems.push('the current result file is required');
  if (current.length > 2)
    problems.push(`takes the current result and at most one confirming run, got ${current.length} files`);
  if (flags.threshold && flags.thresholds) problems.push('--threshold and --thresholds exclude each other');
  if (problems.length) throw new UsageError(problems.join('; '));
  const threshold = flags.threshold === undefined ? undefined : parseThreshold(flags.threshold);
  const alpha = flags.alpha === undefined ? undefined : parseAlpha(flags.alpha);
  const calibration = flags.thresholds ? await readThresholds(flags.thresholds) : undefined;
  const crossHost = flags.crossHost === true;
  const currents = await Promise.all(current.map((file) => readResultFile(file)));
  const { baseline, skipped } = await readBaseline(baselines, crossHost ? 'ratios' : 'absolute');
  const report = checkRuns(baseline, currents, {
    crossHost,
    allowErrored: flags.allowErrored === true,
    allowUnderpowered: flags.allowUnderpowered === true,
    ...(alpha === undefined ? {} : { alpha }),
    ...(threshold === undefined ? {} : { threshold }),
    ...(calibration ? { thresholds: calibration.thresholds, runNoise: calibration.runNoise } : {}),
  });
  report.skippedBaselines.push(...skipped);
  const baselineName =
    baselines.length === 1 && baseline.length === 1
      ? basename(baselines[0]!)
      : `${report.baselineRuns} runs in ${baselines.map((path) => basename(path)).join(', ')}`;
  const currentName = current.map((file) => basename(file)).join(' + ');
  const markdown = renderCheckMarkdown(report, baselineName, currentName);
  const last = current.at(-1)!;
  const junitPath = flags.junit ?? join(dirname(last), 'check.junit.xml');
  const summaryPath = flags.summary ?? join(dirname(last), 'check.md');
  await writeFileAtomic(junitPath, renderJunit(report, `${baselineName} -> ${currentName}`));
  await writeFileAtomic(summaryPath, markdown);
  if (process.env.GITHUB_STEP_SUMMARY)
    await appendFile(process.env.GITHUB_STEP_SUMMARY, markdown).catch(() => undefined);
  io.out(markdown);
  for (const line of describeWaived(report)) io.log(line);
  io.log(
    `check: ${report.outcome} (${report.baselineRuns} baseline run(s), ${report.currentRuns} current); JUnit ${junitPath}, summary ${summaryPath}`,
  );
  return report.outcome === 'regressed'
    ? ExitCode.regression
    : report.outcome === 'inconclusive'
      ? ExitCode.inconclusive
      : ExitCode.ok;
}
