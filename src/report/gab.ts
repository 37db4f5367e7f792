import { collectSamples } from '../results/samples.js';
import { describe } from '../results/stats.js';
import type { ResultFile } from '../results/types.js';

/** One entry of github-action-benchmark's custom JSON formats. */
export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range: string;
  extra: string;
}

/**
 * github-action-benchmark input: `customSmallerIsBetter` takes the lower-is-better figures,
 * `customBiggerIsBetter` the higher-is-better ones; value = median, range = ± half the IQR.
 */
export function renderGab(result: ResultFile, direction: 'smaller' | 'bigger'): GabEntry[] {
  const wanted = direction === 'smaller' ? 'lower' : 'higher';
  const emulated = result.runtimes.qemu?.emulated ? ' (VM emulated: TCG)' : '';
  return [...collectSamples(result).values()]
    .filter((entry) => entry.direction === wanted)
    .flatMap((entry) => {
      const stats = describe(entry.values);
      if (!stats) return [];
      return [{
        name: `${entry.key}${entry.runtime === 'qemu' ? emulated : ''}`,
        unit: entry.unit,
        value: stats.median,
        range: `± ${((stats.q3 - stats.q1) / 2).toPrecision(3)}`,
        extra: `n=${stats.n}; source ${entry.source}; host ${result.host.hostname}; run ${result.runId}`,
      }];
    });
}
