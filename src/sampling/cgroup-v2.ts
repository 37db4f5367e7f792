import { workingSet, type CgroupReading, type CgroupSources } from './cgroup-reading.js';
import { parseSingleInteger, pickFlatKeyed } from './parse-common.js';

/**
 * Totals over devices from `io.stat` (lines `MAJ:MIN rbytes=N wbytes=N rios=N wios=N …`), leaving out the
 * `skipped` devices: those below a stacked one, where its I/O shows a second time.
 */
export function parseIoStat(
  text: string,
  skipped?: ReadonlySet<string>,
): { rbytes: number; wbytes: number; rios: number; wios: number } | undefined {
  const totals = { rbytes: 0, wbytes: 0, rios: 0, wios: 0 };
  let seen = false;
  for (const line of text.split('\n')) {
    const device = /^(\d+:\d+)\s/.exec(line)?.[1];
    if (!device || skipped?.has(device)) continue;
    seen = true;
    for (const pair of line.trim().split(/\s+/).slice(1)) {
      const [key, value] = pair.split('=');
      if (key && value !== undefined && key in totals) totals[key as keyof typeof totals] += Number(value);
    }
  }
  // An empty io.stat means no I/O was charged yet: that is a measured zero on v2.
  return seen || text.trim() === '' ? totals : undefined;
}

/** Raw v2 files for one group. */
export interface CgroupV2Files {
  memoryCurrent?: string;
  memoryPeak?: string;
  memoryStat?: string;
  cpuStat?: string;
  ioStat?: string;
}

/** Normalise v2 files into a reading. */
export function parseCgroupV2(files: CgroupV2Files, skippedDevices?: ReadonlySet<string>): CgroupReading {
  const stat =
    files.memoryStat === undefined ? undefined : pickFlatKeyed(files.memoryStat, ['inactive_file', 'anon', 'file']);
  const cpu =
    files.cpuStat === undefined ? undefined : pickFlatKeyed(files.cpuStat, ['usage_usec', 'user_usec', 'system_usec']);
  const io = files.ioStat === undefined ? undefined : parseIoStat(files.ioStat, skippedDevices);
  const usage = files.memoryCurrent === undefined ? undefined : parseSingleInteger(files.memoryCurrent);
  const inactiveFile = stat?.get('inactive_file');
  const micro = (key: string): number | undefined => {
    const value = cpu?.get(key);
    return value === undefined ? undefined : value / 1e6;
  };
  return {
    memoryUsageBytes: usage,
    memoryPeakBytes: files.memoryPeak === undefined ? undefined : parseSingleInteger(files.memoryPeak),
    anonBytes: stat?.get('anon'),
    fileBytes: stat?.get('file'),
    inactiveFileBytes: inactiveFile,
    workingSetBytes: workingSet(usage, inactiveFile),
    cpuUsageSeconds: micro('usage_usec'),
    cpuUserSeconds: micro('user_usec'),
    cpuSystemSeconds: micro('system_usec'),
    ioReadBytes: io?.rbytes,
    ioWriteBytes: io?.wbytes,
    ioReadOps: io?.rios,
    ioWriteOps: io?.wios,
  };
}

/** Where each v2 figure comes from. */
export const cgroupV2Sources: CgroupSources = {
  memoryUsageBytes: 'cgroup.v2.memory.current',
  memoryPeakBytes: 'cgroup.v2.memory.peak',
  anonBytes: 'cgroup.v2.memory.stat.anon',
  fileBytes: 'cgroup.v2.memory.stat.file',
  inactiveFileBytes: 'cgroup.v2.memory.stat.inactive_file',
  workingSetBytes: 'cgroup.v2.memory.current-inactive_file',
  cpuUsageSeconds: 'cgroup.v2.cpu.stat.usage_usec',
  cpuUserSeconds: 'cgroup.v2.cpu.stat.user_usec',
  cpuSystemSeconds: 'cgroup.v2.cpu.stat.system_usec',
  ioReadBytes: 'cgroup.v2.io.stat.rbytes',
  ioWriteBytes: 'cgroup.v2.io.stat.wbytes',
  ioReadOps: 'cgroup.v2.io.stat.rios',
  ioWriteOps: 'cgroup.v2.io.stat.wios',
};
