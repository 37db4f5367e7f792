import type { MetricSamples } from '../results/samples.js';
import type { ResultFile } from '../results/types.js';
import { collectSamples } from '../results/samples.js';

/**
 * VM / container ratios per repetition (trials are interleaved, so rep i of each runtime ran side
 * by side): the figure that stays comparable across hosts while no native baseline is measured.
 */
export function ratioSamples(result: ResultFile): Map<string, MetricSamples> {
  const ratios = new Map<string, MetricSamples>();
  const byRep = new Map<string, number>();
  for (const trial of result.trials) {
    if (trial.state !== 'completed') continue;
    const put = (metric: string, value: number | undefined) => {
      if (value !== undefined) byRep.set(`${trial.runtime}|${trial.workload}|${metric}|${trial.rep}`, value);
    };
    put('boot.bootToReadyMs', trial.boot.bootToReadyMs);
    for (const metric of trial.metrics) put(metric.name, metric.value);
  }
  for (const entry of collectSamples(result).values()) {
    if (entry.runtime !== 'qemu' || entry.metric.includes('.pss_bytes') || entry.metric.startsWith('cgroup.')) continue;
    const values: number[] = [];
    for (const trial of result.trials) {
      if (trial.runtime !== 'qemu' || trial.workload !== entry.workload) continue;
      const vm = byRep.get(`qemu|${entry.workload}|${entry.metric}|${trial.rep}`);
      const container = byRep.get(`docker|${entry.workload}|${entry.metric}|${trial.rep}`);
      if (vm !== undefined && container) values.push(vm / container);
    }
    if (values.length > 0) {
      const key = `vm/container/${entry.workload}/${entry.metric}`;
      ratios.set(key, { ...entry, key, unit: 'ratio', source: `qemu/docker ${entry.source}`, values });
    }
  }
  return ratios;
}
