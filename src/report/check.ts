import { UsageError } from '../errors.js';
import { collectSamples, type MetricSamples } from '../results/samples.js';
import type { ResultFile } from '../results/types.js';
import { sameHost } from './host-dimensions.js';
import { ratioSamples } from './ratios.js';
import { judgeMetric, type CheckRow } from './regression.js';

/** Default allowed change per kind of figure: boot time and CPU time are noisier than throughput. */
export function defaultThreshold(metric: string): number {
  if (metric.startsWith('boot.') || metric.includes('cpu_seconds')) return 0.1;
  return 0.05;
}

/** Options of `bench check`. */
export interface CheckOptions {
  /** One threshold for every metric (from `--threshold`), overriding the defaults. */
  threshold?: number;
  /** Per-key thresholds (from `bench calibrate`), used before the defaults. */
  thresholds?: Readonly<Record<string, number>>;
  crossHost: boolean;
}

/** The outcome of `bench check`. */
export interface CheckReport {
  mode: 'absolute' | 'ratios';
  rows: CheckRow[];
  /** Keys of the baseline that the current file does not have. */
  missing: string[];
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
  const rows: CheckRow[] = [];
  const missing: string[] = [];
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
    rows.push(judgeMetric(entry, other, threshold));
  }
  return { mode, rows, missing };
}

/** Parse `--threshold` (`5%`, `0.05`, `5`) into a fraction; throws a UsageError naming the value. */
export function parseThreshold(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) : Number.NaN;
  const fraction = match?.[2] === '%' || value >= 1 ? value / 100 : value;
  if (!match || !(fraction > 0) || fraction >= 1) throw new UsageError(`--threshold must be a percentage between 0 and 100, like 5%, got ${JSON.stringify(text)}`);
  return fraction;
}
