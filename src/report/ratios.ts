import type { RuntimeName } from '../config/suite.js';
import type { MetricSamples } from '../results/samples.js';
import type { ResultFile } from '../results/types.js';
import { collectSamples } from '../results/samples.js';

/** A pair of runtimes whose figures are divided: `top` (the one judged) over `bottom` (its reference). */
export interface RatioPair {
  key: string;
  top: RuntimeName;
  bottom: RuntimeName;
}

/** Ratios a report shows: to native when a native baseline ran, and VM to container always. */
export const ratioPairs: readonly RatioPair[] = [
  { key: 'container/native', top: 'docker', bottom: 'native' },
  { key: 'vm/native', top: 'qemu', bottom: 'native' },
  { key: 'vm/container', top: 'qemu', bottom: 'docker' },
  { key: 'vagrant/qemu', top: 'vagrant', bottom: 'qemu' },
];

/**
 * Per-repetition ratios (trials are interleaved, so rep i of each runtime ran side by side) of boot
 * time and workload metrics: the figures that stay comparable across hosts.
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
  const samples = [...collectSamples(result).values()].filter((entry) => entry.metric === 'boot.bootToReadyMs' || !entry.metric.includes('.'));
  for (const pair of ratioPairs) {
    for (const entry of samples.filter((candidate) => candidate.runtime === pair.top)) {
      // Boot time has no meaning for the native baseline (nothing boots): only workload metrics.
      if (pair.bottom === 'native' && entry.metric.startsWith('boot.')) continue;
      const values: number[] = [];
      for (const trial of result.trials) {
        if (trial.runtime !== pair.top || trial.workload !== entry.workload) continue;
        const top = byRep.get(`${pair.top}|${entry.workload}|${entry.metric}|${trial.rep}`);
        const bottom = byRep.get(`${pair.bottom}|${entry.workload}|${entry.metric}|${trial.rep}`);
        if (top !== undefined && bottom) values.push(top / bottom);
      }
      if (values.length > 0) {
        const key = `${pair.key}/${entry.workload}/${entry.metric}`;
        ratios.set(key, { ...entry, key, unit: 'ratio', source: `${pair.top}/${pair.bottom} ${entry.source}`, values });
      }
    }
  }
  return ratios;
}
