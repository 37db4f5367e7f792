import type { ResultFile, RuntimeFact, RuntimeInfo } from './types.js';

/** A fact a runtime declares: which `info` key reports show, under what name (see RuntimeFact). */
export interface FactKey {
  readonly key: string;
  readonly name: string;
  readonly version?: boolean;
}

/** The declared facts that `info` holds, in the declared order. */
export function factsOf(keys: readonly FactKey[], info: RuntimeInfo): RuntimeFact[] {
  return keys.flatMap((fact) => (info[fact.key] === undefined ? [] : [{ ...fact, value: String(info[fact.key]) }]));
}

/**
 * What the Markdown report's runtime line showed before runtimes declared their facts, in its order: the facts of
 * a file without `facts`. Frozen with that change, as the v1 migration's tables are (read.ts): a later runtime
 * declares its own.
 */
const factsBeforeDeclared: readonly FactKey[] = [
  { key: 'engineVersion', name: 'engine', version: true },
  { key: 'vagrantVersion', name: 'Vagrant', version: true },
  { key: 'qemuVersion', name: 'QEMU', version: true },
  { key: 'ociRuntime', name: 'OCI runtime' },
  { key: 'cgroupDriver', name: 'cgroup driver' },
  { key: 'storageDriver', name: 'storage' },
  { key: 'image', name: 'image' },
  { key: 'accelerator', name: 'accelerator' },
  { key: 'machineType', name: 'machine' },
  { key: 'cpuModel', name: 'CPU' },
  { key: 'kernel', name: 'kernel' },
  { key: 'rootDiskCache', name: 'root disk cache' },
  { key: 'memoryBackend', name: 'guest RAM' },
  { key: 'synthetic', name: 'synthetic' },
];

/** The facts reports show about `runtime`: those its record declares, or what twinbench showed before it did. */
export function runtimeFacts(result: Pick<ResultFile, 'runtimes'>, runtime: string): RuntimeFact[] {
  const record = result.runtimes[runtime];
  if (!record) return [];
  return record.facts ?? factsOf(factsBeforeDeclared, record.info);
}
