import { figuresOf } from '../results/figures.js';
import { kindOf } from './kinds.js';
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
 * `customBiggerIsBetter` the higher-is-better ones; value = median, range = its 95 % interval (order statistics) where 6 or more repetitions allow one.
 */
export function renderGab(result: ResultFile, direction: 'smaller' | 'bigger'): GabEntry[] {
  const wanted = direction === 'smaller' ? 'lower' : 'higher';
  const emulated = (runtime: string) =>
    kindOf(result, runtime) === 'vm' && result.runtimes[runtime]?.emulated ? ' (VM emulated: TCG)' : '';
  return [...figuresOf(result).shown.values()]
    .filter((entry) => entry.direction === wanted)
    .flatMap((entry) => {
      const stats = describe(entry.values);
      if (!stats) return [];
      return [
        {
          name: `${entry.key}${emulated(entry.runtime)}`,
          unit: entry.unit,
          value: stats.median,
          range: stats.ci95
            ? `95% CI ${stats.ci95.low.toPrecision(4)}–${stats.ci95.high.toPrecision(4)}`
            : `n=${stats.n}, too few for a 95% CI`,
          extra: `n=${stats.n}; source ${entry.source}; host ${result.host.hostname}; run ${result.runId}`,
        },
      ];
    });
}
