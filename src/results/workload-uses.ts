import type { ResultFile, WorkloadUses } from './types.js';

/** What the built-in workloads used, for files from before `workloads` was recorded. */
const legacyUses: Readonly<Record<string, WorkloadUses>> = {
  network: { network: true, scratch: false },
  redis: { network: true, scratch: false },
  disk: { network: false, scratch: true },
};

/** Whether any workload of a result used the runtimes' network path, or their scratch disk. */
export function usedByWorkloads(result: Pick<ResultFile, 'workloads' | 'trials'>, use: keyof WorkloadUses): boolean {
  const ran = new Set(result.trials.map((trial) => trial.workload));
  const uses = result.workloads ?? legacyUses;
  return [...ran].some((workload) => uses[workload]?.[use] === true);
}
