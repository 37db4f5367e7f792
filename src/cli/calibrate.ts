import { hostname } from 'node:os';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { bootstrapRatioOfMedians } from '../results/bootstrap.js';
import { readResultFile } from '../results/read.js';
import { collectSamples } from '../results/samples.js';
import type { ResultFile } from '../results/types.js';
import { writeFileAtomic } from '../results/write.js';
import { runAll, type AllFlags } from './all.js';
import type { CommandIo } from './io.js';

/** Smallest threshold proposed: below this, run-to-run drift on any host dominates. */
const floor = 0.02;

/**
 * Propose a threshold per metric from an A/A pair: the widest excursion of the bootstrap interval of
 * the ratio of medians from 1, times 1.5 as a margin, rounded up to 0.5 %, never below 2 %.
 */
export function proposeThresholds(a: ResultFile, b: ResultFile): { thresholds: Record<string, number>; noise: Record<string, { ratio: number; low: number; high: number } | null> } {
  const first = collectSamples(a);
  const second = collectSamples(b);
  const thresholds: Record<string, number> = {};
  const noise: Record<string, { ratio: number; low: number; high: number } | null> = {};
  for (const [key, entry] of first) {
    const other = second.get(key);
    if (!other) continue;
    const estimate = bootstrapRatioOfMedians(entry.values, other.values);
    if (!estimate) {
      noise[key] = null;
      continue;
    }
    noise[key] = { ratio: estimate.ratio, low: estimate.low, high: estimate.high };
    const excursion = Math.max(Math.abs(estimate.low - 1), Math.abs(estimate.high - 1));
    // Beyond 90 % the figure is too noisy to gate on; the cap keeps the file usable and says so.
    thresholds[key] = Math.min(0.9, Math.max(floor, Math.ceil(excursion * 1.5 * 200) / 200));
  }
  return { thresholds, noise };
}

/** `bench calibrate`: run the suite twice (A/A) and write per-metric thresholds for `bench check`. */
export async function runCalibrate(flags: AllFlags & { thresholdsOut?: string }, io: CommandIo): Promise<ExitCodeValue> {
  const paths: string[] = [];
  for (const pass of [1, 2]) {
    io.log(`calibrate: pass ${pass} of 2`);
    const captured: CommandIo = { ...io, out: (text) => paths.push(text.trim().split('\n').at(-1) ?? '') };
    const code = await runAll(flags, captured);
    if (io.signal.aborted) return code;
  }
  const jsonPaths = paths.filter((path) => path.endsWith('.json'));
  const [a, b] = [await readResultFile(jsonPaths[0] ?? ''), await readResultFile(jsonPaths[1] ?? '')];
  const { thresholds, noise } = proposeThresholds(a, b);
  const out = flags.thresholdsOut ?? 'results/thresholds.json';
  await writeFileAtomic(out, `${JSON.stringify({ kind: 'twinbench-thresholds', version: 1, host: hostname(), createdAt: new Date().toISOString(), runs: jsonPaths, thresholds, noise }, null, 2)}\n`);
  const lines = Object.entries(thresholds).map(([key, value]) => `  ${key}: ${(value * 100).toFixed(1)} %`);
  io.out(['calibrate: proposed thresholds (A/A noise × 1.5, at least 2 %):', ...lines, out].join('\n'));
  return ExitCode.ok;
}
