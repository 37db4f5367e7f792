import type { RuntimeName } from '../config/suite.js';
import type { ResultFile } from './types.js';

/** The per-trial values of one figure of one runtime × workload: what compare and check work on. */
export interface MetricSamples {
  /** `runtime/workload/metric`, e.g. `qemu/cpu/events_per_s` or `docker/idle/boot.bootToReadyMs`. */
  key: string;
  runtime: RuntimeName;
  workload: string;
  metric: string;
  unit: string;
  source: string;
  direction: 'higher' | 'lower';
  /** A workload's key figure (see WorkloadMetric.keyFigure); absent for host figures and older files. */
  keyFigure?: boolean;
  values: number[];
}

/** Host-side figures compared across files, with their direction. */
const resourceFigures: { column: string; field: 'peak' | 'atReady' | 'last'; direction: 'lower' }[] = [
  { column: 'cgroup.memory_working_set_bytes', field: 'peak', direction: 'lower' },
  // The kernel's own high-water mark beside the sampled peak: it does not depend on how often the sampler looks.
  { column: 'cgroup.memory_peak_bytes', field: 'peak', direction: 'lower' },
  { column: 'guest.pss_bytes', field: 'peak', direction: 'lower' },
  { column: 'shim.pss_bytes', field: 'peak', direction: 'lower' },
  { column: 'cgroup.cpu_seconds', field: 'atReady', direction: 'lower' },
  // The memory model at READY (src/results/memory-model.ts): what the host pays, what the guest uses, the difference.
  { column: 'memory.host_pays_bytes', field: 'atReady', direction: 'lower' },
  { column: 'memory.guest_uses_bytes', field: 'atReady', direction: 'lower' },
  { column: 'memory.overhead_bytes', field: 'atReady', direction: 'lower' },
];

/** Collect every figure of the completed trials, one entry per runtime × workload × metric. */
export function collectSamples(result: Pick<ResultFile, 'trials'>): Map<string, MetricSamples> {
  const samples = new Map<string, MetricSamples>();
  const add = (entry: Omit<MetricSamples, 'key' | 'values'>, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const key = `${entry.runtime}/${entry.workload}/${entry.metric}`;
    const existing = samples.get(key);
    if (existing) existing.values.push(value);
    else samples.set(key, { ...entry, key, values: [value] });
  };
  for (const trial of result.trials) {
    if (trial.state !== 'completed') continue;
    const base = { runtime: trial.runtime, workload: trial.workload };
    add(
      { ...base, metric: 'boot.bootToReadyMs', unit: 'ms', source: 'host.clock', direction: 'lower' },
      trial.boot.bootToReadyMs,
    );
    for (const metric of trial.metrics)
      add(
        {
          ...base,
          metric: metric.name,
          unit: metric.unit,
          source: metric.source,
          direction: metric.direction,
          ...(metric.keyFigure === undefined ? {} : { keyFigure: metric.keyFigure }),
        },
        metric.value,
      );
    for (const figure of resourceFigures) {
      const summary = trial.resources[figure.column];
      if (summary)
        add(
          {
            ...base,
            metric: `${figure.column}.${figure.field}`,
            unit: summary.unit,
            source: summary.source,
            direction: figure.direction,
          },
          summary[figure.field],
        );
    }
  }
  return samples;
}
