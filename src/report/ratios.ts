import type { ResultFile } from '../results/types.js';
import { isEnergyFigure } from '../results/energy.js';
import { figuresOf, isWorkloadMetric, type Figure } from '../results/figures.js';
import { kindOf, referenceOf, runtimesOf } from './kinds.js';

/** A pair of runtimes whose figures are divided: `top` (the one judged) over `bottom` (its reference). */
export interface RatioPair {
  /** `top/bottom`, e.g. `qemu/docker`: the prefix of the pair's ratio keys. */
  key: string;
  top: string;
  bottom: string;
}

/**
 * The ratios a result's runtimes make, by kind: every runtime to the native baseline (when one ran);
 * every VM to the reference container; every runtime to the reference of its own kind (Vagrant to QEMU,
 * a second container runtime to Docker); and a container to an earlier one with the same OCI runtime (Podman
 * and Docker, both with crun).
 */
export function ratioPairs(result: Pick<ResultFile, 'runtimes'>): RatioPair[] {
  const pairs: RatioPair[] = [];
  const add = (top: string, bottom: string | undefined) => {
    if (bottom !== undefined && top !== bottom && !pairs.some((pair) => pair.top === top && pair.bottom === bottom))
      pairs.push({ key: `${top}/${bottom}`, top, bottom });
  };
  const [baseline, container] = [referenceOf(result, 'native'), referenceOf(result, 'container')];
  const others = runtimesOf(result).filter((name) => kindOf(result, name) !== 'native');
  for (const name of others) add(name, baseline);
  for (const name of others.filter((candidate) => kindOf(result, candidate) === 'vm')) add(name, container);
  for (const name of others) add(name, referenceOf(result, kindOf(result, name) ?? 'vm'));
  // Containers of two engines with the same OCI runtime (Podman and Docker, both with crun): the pair that
  // changes the engine alone.
  const ociOf = (name: string) => result.runtimes[name]?.info['ociRuntime'];
  const containers = others.filter((name) => kindOf(result, name) === 'container');
  for (const [index, name] of containers.entries()) {
    const oci = ociOf(name);
    if (typeof oci === 'string')
      add(
        name,
        containers.slice(0, index).find((earlier) => ociOf(earlier) === oci),
      );
  }
  return pairs;
}

/** Ratio keys of files before runtimes were paired by name (thresholds written by an older `bench calibrate`). */
const legacyPrefixes: Readonly<Record<string, string>> = {
  'container/native/': 'docker/native/',
  'vm/native/': 'qemu/native/',
  'vm/container/': 'qemu/docker/',
};

/** A ratio key as this version names it (`vm/container/idle/…` → `qemu/docker/idle/…`). */
export function currentRatioKey(key: string): string {
  const prefix = Object.keys(legacyPrefixes).find((old) => key.startsWith(old));
  return prefix ? `${legacyPrefixes[prefix]}${key.slice(prefix.length)}` : key;
}

/**
 * Per-repetition ratios (trials are interleaved, so rep i of each runtime ran side by side) of boot
 * time and workload metrics: the figures that stay comparable across hosts.
 */
export function ratioSamples(result: ResultFile): Map<string, Figure> {
  const ratios = new Map<string, Figure>();
  const figures = figuresOf(result).shown;
  const samples = [...figures.values()].filter(
    (entry) => entry.metric === 'boot.bootToReadyMs' || isWorkloadMetric(entry) || isEnergyFigure(entry),
  );
  for (const pair of ratioPairs(result)) {
    for (const entry of samples.filter((candidate) => candidate.runtime === pair.top)) {
      // Boot time has no meaning for the native baseline (nothing boots): only workload metrics.
      if (kindOf(result, pair.bottom) === 'native' && /^(energy\.)?boot\./.test(entry.metric)) continue;
      const reference = figures.get(`${pair.bottom}/${entry.workload}/${entry.metric}`);
      const bottomByRep = new Map(reference?.reps.map((rep, index) => [rep, reference.values[index]]));
      const values: number[] = [];
      const reps: number[] = [];
      for (const [index, rep] of entry.reps.entries()) {
        const bottom = bottomByRep.get(rep);
        if (bottom) {
          values.push(entry.values[index]! / bottom);
          reps.push(rep);
        }
      }
      if (values.length > 0) {
        const key = `${pair.key}/${entry.workload}/${entry.metric}`;
        ratios.set(key, {
          ...entry,
          key,
          reference: pair.bottom,
          unit: 'ratio',
          source: `${pair.top}/${pair.bottom} ${entry.source}`,
          values,
          reps,
        });
      }
    }
  }
  return ratios;
}
