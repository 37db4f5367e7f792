import { hostname } from 'node:os';
import { ExitCode, TrialsFailedError, type ExitCodeValue } from '../errors.js';
import { readResultFile } from '../results/read.js';
import { collectSamples } from '../results/samples.js';
import { mean } from '../results/stats.js';
import type { ResultFile } from '../results/types.js';
import { writeFileAtomic } from '../results/write.js';
import { checkResults } from '../report/check.js';
import { ratioSamples } from '../report/ratios.js';
import { benchRun } from '../orchestrator/bench-run.js';
import { runHooks, type AllFlags } from './all.js';
import type { CommandIo } from './io.js';

/** Smallest threshold proposed: below this, run-to-run drift on any host dominates. */
const floor = 0.02;

/**
 * Propose a threshold per figure from an A/A pair. `bench check` already weighs the noise within a
 * run with its permutation test; what the threshold must absorb is the drift *between* runs that is
 * no regression, which that test cannot see. So: the A/A pair's own change of the mean, rounded up to
 * 0.5 %, at least 2 % (noise is not counted twice). Absolute keys and, where both runtimes ran,
 * the VM/container ratio keys that `--cross-host` checks.
 */
export function proposeThresholds(a: ResultFile, b: ResultFile): { thresholds: Record<string, number>; drift: Record<string, number | null> } {
  const thresholds: Record<string, number> = {};
  const drift: Record<string, number | null> = {};
  for (const [first, second] of [[collectSamples(a), collectSamples(b)], [ratioSamples(a), ratioSamples(b)]] as const) {
    for (const [key, entry] of first) {
      const other = second.get(key);
      const base = mean(entry.values);
      if (!other || base === 0) {
        drift[key] = null;
        continue;
      }
      const change = Math.abs(mean(other.values) - base) / Math.abs(base);
      drift[key] = change;
      // Beyond 90 % the figure is too unstable to gate on; the cap keeps the file usable and says so.
      thresholds[key] = Math.min(0.9, Math.max(floor, Math.ceil(change * 200) / 200));
    }
  }
  return { thresholds, drift };
}

/** Refuse a calibration run that did not complete every trial: its noise is not the host's. */
function requireComplete(result: ResultFile, path: string): void {
  const failed = result.trials.filter((trial) => trial.state !== 'completed');
  if (failed.length > 0 || result.status !== 'completed') {
    throw new TrialsFailedError(`calibrate: ${path} has ${failed.length} trial(s) that did not complete${result.status === 'completed' ? '' : ` and status "${result.status}"`}; thresholds from a broken run would be wrong`);
  }
}

/** `bench calibrate`: run the suite twice (A/A), refuse broken runs, write per-figure thresholds for `bench check`. */
export async function runCalibrate(flags: AllFlags & { thresholdsOut?: string }, io: CommandIo): Promise<ExitCodeValue> {
  const jsonPaths: string[] = [];
  for (const pass of [1, 2]) {
    io.log(`calibrate: pass ${pass} of 2`);
    const outcome = await benchRun(flags, runHooks(io));
    io.log(`calibrate: pass ${pass} written to ${outcome.jsonPath}`);
    if (io.signal.aborted) return io.signal.reason?.exitCode ?? ExitCode.interrupted;
    jsonPaths.push(outcome.jsonPath);
  }
  // Read back as any reader would: what is checked is what was written.
  const [a, b] = [await readResultFile(jsonPaths[0] ?? ''), await readResultFile(jsonPaths[1] ?? '')];
  requireComplete(a, jsonPaths[0] ?? '');
  requireComplete(b, jsonPaths[1] ?? '');
  const { thresholds, drift } = proposeThresholds(a, b);
  // What the gate says of this very A/A pair at its default thresholds: every flagged figure is a false alarm.
  const aa = checkResults(a, b, { crossHost: false, allowUnderpowered: true });
  const gating = aa.rows.filter((row) => row.gates);
  const alarms = gating.filter((row) => row.verdict === 'regressed').map((row) => row.key);
  const underpowered = gating.filter((row) => row.verdict === 'underpowered').length;
  const selfCheck = { gatingFigures: gating.length, falseAlarms: alarms, underpowered, alpha: aa.alpha };
  const out = flags.thresholdsOut ?? 'results/thresholds.json';
  await writeFileAtomic(out, `${JSON.stringify({ kind: 'twinbench-thresholds', version: 2, host: hostname(), createdAt: new Date().toISOString(), runs: jsonPaths, thresholds, drift, selfCheck }, null, 2)}\n`);
  const lines = Object.entries(thresholds).map(([key, value]) => `  ${key}: ${(value * 100).toFixed(1)} %`);
  io.out([
    'calibrate: proposed thresholds (the A/A pair\'s change of the mean, at least 2 %):',
    ...lines,
    `calibrate: the A/A pair itself at default thresholds: ${alarms.length} false alarm(s) among ${gating.length} gating figures${alarms.length ? ` (${alarms.join(', ')})` : ''}` +
      `${underpowered ? `; ${underpowered} underpowered at these repetitions` : ''}`,
    out,
  ].join('\n'));
  return ExitCode.ok;
}
