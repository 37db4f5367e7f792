/**
 * One reading of a cgroup, normalised across v1 and v2. A field is undefined when the kernel did not
 * provide it (never zero-filled); `sources` names the file each field came from.
 */
export interface CgroupReading {
  memoryUsageBytes?: number;
  memoryPeakBytes?: number;
  anonBytes?: number;
  fileBytes?: number;
  inactiveFileBytes?: number;
  /** usage − inactive_file: what the kernel cannot reclaim cheaply (the kubelet's definition). */
  workingSetBytes?: number;
  cpuUsageSeconds?: number;
  cpuUserSeconds?: number;
  cpuSystemSeconds?: number;
  ioReadBytes?: number;
  ioWriteBytes?: number;
  ioReadOps?: number;
  ioWriteOps?: number;
}

/** Field → source name for the result JSON, per cgroup version. */
export type CgroupSources = { readonly [K in keyof CgroupReading]-?: string };

/** usage − inactive_file, clamped at zero; undefined when either is missing. */
export function workingSet(usage: number | undefined, inactiveFile: number | undefined): number | undefined {
  if (usage === undefined || inactiveFile === undefined) return undefined;
  return Math.max(0, usage - inactiveFile);
}
