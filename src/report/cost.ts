import type { ResultFile } from '../results/types.js';
import { describe, type Stats } from '../results/stats.js';
import { ratioPairs, ratioSamples, type RatioPair } from './ratios.js';

/**
 * How many times what one runtime pays its reference pays, for one figure, oriented so that above 1
 * always means "costs more": a time or latency ratio as it is, a throughput ratio inverted (a VM at
 * 0.8× native throughput costs 1.25×). From per-repetition ratios: trials are interleaved, so
 * repetition i of both runtimes ran side by side.
 */
export interface CostFactor {
  pair: RatioPair;
  workload: string;
  metric: string;
  unit: string;
  /** Per-repetition cost factors, in repetition order. */
  values: number[];
  /** Their median and its 95 % interval. */
  stats: Stats;
}

/** Every cost factor of a result, in the order of `ratioPairs`, then workload, then figure. */
export function costFactors(result: ResultFile): CostFactor[] {
  const factors: CostFactor[] = [];
  const pairs = ratioPairs(result);
  for (const [key, entry] of ratioSamples(result)) {
    const pair = pairs.find((candidate) => key.startsWith(`${candidate.key}/`));
    const oriented = entry.direction === 'higher' ? entry.values.map((value) => 1 / value) : entry.values;
    const values = oriented.filter(Number.isFinite);
    const stats = describe(values);
    if (pair && stats)
      factors.push({ pair, workload: entry.workload, metric: entry.metric, unit: entry.unit, values, stats });
  }
  return factors;
}

/** Find one cost factor: `top` judged against `bottom` for a workload's figure. */
export function findCost(
  factors: readonly CostFactor[],
  top: string,
  bottom: string,
  workload: string,
  metric: string,
): CostFactor | undefined {
  return factors.find(
    (f) => f.pair.top === top && f.pair.bottom === bottom && f.workload === workload && f.metric === metric,
  );
}
