import { appendFile, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { readResultFile } from '../results/read.js';
import { writeFileAtomic } from '../results/write.js';
import { checkResults, parseAlpha, parseThreshold } from '../report/check.js';
import { describeWaived, renderCheckMarkdown, renderJunit } from '../report/check-output.js';
import { currentRatioKey } from '../report/ratios.js';
import type { CommandIo } from './io.js';
import { jsonSyntaxProblem } from '../json-problem.js';

/** Flags of `bench check`. */
export interface CheckFlags {
  baseline?: string;
  threshold?: string;
  thresholds?: string;
  crossHost?: boolean;
  junit?: string;
  summary?: string;
  alpha?: string;
  allowErrored?: boolean;
  allowUnderpowered?: boolean;
}

/** Read a thresholds file written by `bench calibrate`. */
export async function readThresholds(file: string): Promise<Record<string, number>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--thresholds ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
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
  if (bad.length) throw new UsageError(`--thresholds ${file}: thresholds must be fractions in (0, 1), bad: ${bad.map(([k]) => k).slice(0, 3).join(', ')}`);
  // Ratio keys before runtimes were paired by name (`vm/container/…`) read as today's (`qemu/docker/…`).
  return Object.fromEntries(Object.entries(value.thresholds as Record<string, number>).map(([key, threshold]) => [currentRatioKey(key), threshold]));
}

/**
 * `bench check --baseline BASE CURRENT`: exit 0 when nothing regressed and the current run is whole,
 * 1 when a gating figure regressed or the run cannot be trusted (errored or aborted trials, an
 * interruption, missing figures or runtimes, too few repetitions to reach α), 2 for unusable input.
 * Writes JUnit XML and a Markdown summary (also to $GITHUB_STEP_SUMMARY).
 */
export async function runCheck(current: string | undefined, flags: CheckFlags, io: CommandIo): Promise<ExitCodeValue> {
  const problems: string[] = [];
  if (!flags.baseline) problems.push('--baseline BASE.json is required');
  if (!current) problems.push('the current result file is required');
  if (flags.threshold && flags.thresholds) problems.push('--threshold and --thresholds exclude each other');
  if (problems.length || !flags.baseline || !current) throw new UsageError(problems.join('; '));
  const threshold = flags.threshold === undefined ? undefined : parseThreshold(flags.threshold);
  const alpha = flags.alpha === undefined ? undefined : parseAlpha(flags.alpha);
  const thresholds = flags.thresholds ? await readThresholds(flags.thresholds) : undefined;
  const [baseline, now] = [await readResultFile(flags.baseline), await readResultFile(current)];
  const report = checkResults(baseline, now, {
    crossHost: flags.crossHost === true,
    allowErrored: flags.allowErrored === true,
    allowUnderpowered: flags.allowUnderpowered === true,
    ...(alpha === undefined ? {} : { alpha }),
    ...(threshold === undefined ? {} : { threshold }),
    ...(thresholds ? { thresholds } : {}),
  });
  const markdown = renderCheckMarkdown(report, basename(flags.baseline), basename(current));
  const junitPath = flags.junit ?? join(dirname(current), 'check.junit.xml');
  const summaryPath = flags.summary ?? join(dirname(current), 'check.md');
  await writeFileAtomic(junitPath, renderJunit(report, `${basename(flags.baseline)} -> ${basename(current)}`));
  await writeFileAtomic(summaryPath, markdown);
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdown).catch(() => undefined);
  io.out(markdown);
  for (const line of describeWaived(report)) io.log(line);
  io.log(`check: JUnit ${junitPath}, summary ${summaryPath}`);
  return report.failed ? ExitCode.regression : ExitCode.ok;
}
