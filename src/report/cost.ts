import { figuresOf, restingWorkloads } from '../results/figures.js';
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
  /** The figure's own source (`guest.sysbench.cpu.events_per_s`): what a claim asks for, whatever the workload is called. */
  source: string;
  /** Per-repetition cost factors, in repetition order. */
  values: number[];
  /** Their median and its 95 % interval. */
  stats: Stats;
}

const computed = new WeakMap<ResultFile, CostFactor[]>();

/** Every cost factor of a result, in the order of `ratioPairs`, then workload, then figure; computed once per result. */
export function costFactors(result: ResultFile): CostFactor[] {
  const known = computed.get(result);
  if (known) return known;
  const factors: CostFactor[] = [];
  const pairs = ratioPairs(result);
  for (const entry of ratioSamples(result).values()) {
    const pair = pairs.find((candidate) => candidate.top === entry.runtime && candidate.bottom === entry.reference);
    const oriented = entry.direction === 'higher' ? entry.values.map((value) => 1 / value) : entry.values;
    const values = oriented.filter(Number.isFinite);
    const stats = describe(values);
    const source = figuresOf(result).shown.get(`${entry.runtime}/${entry.workload}/${entry.metric}`)?.source;
    if (pair && stats && source !== undefined)
      factors.push({ pair, workload: entry.workload, metric: entry.metric, unit: entry.unit, source, values, stats });
  }
  computed.set(result, factors);
  return factors;
}

/**
 * What a claim asks for: a workload's figure by its manifest's source (as recorded, qualified by the parameters the run
 * used: `guest.sysbench.memory.read.block_256M.thp_never`), or a figure (`boot.bootToReadyMs`) of the resting workload.
 */
export type FigureNeed = { source: string } | { restingMetric: string };

/** The cost factor of `top` against `bottom` for the figure a claim needs (the first workload that has it). */
export function findNeeded(result: ResultFile, top: string, bottom: string, need: FigureNeed): CostFactor | undefined {
  const resting = 'restingMetric' in need ? restingWorkloads(figuresOf(result).shown.values()) : [];
  return costFactors(result).find(
    (f) =>
      f.pair.top === top &&
      f.pair.bottom === bottom &&
      ('source' in need
        ? f.source === need.source || f.source.startsWith(`${need.source}.`)
        : f.metric === need.restingMetric && resting.includes(f.workload)),
  );
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
