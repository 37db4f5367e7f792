import { workingSet, type CgroupReading, type CgroupSources } from './cgroup-reading.js';
import { parseFlatKeyed, parseSingleInteger, pickFlatKeyed } from './parse-common.js';

/** The memory.stat fields the sampler uses: hierarchical totals, or the group's own on kernels without them. */
const memoryStatKeys = ['total_inactive_file', 'inactive_file', 'total_rss', 'rss', 'total_cache', 'cache'];

/**
 * Totals from `blkio.throttle.io_service_bytes` / `io_serviced` (lines `MAJ:MIN Op N`, then `Total N`), leaving
 * out the `skipped` devices: those below a stacked one, where its I/O is charged a second time.
 */
export function parseBlkioThrottle(
  text: string,
  skipped?: ReadonlySet<string>,
): { read: number; write: number } | undefined {
  let read = 0;
  let write = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const match = /^(\d+:\d+)\s+(Read|Write)\s+(\d+)$/.exec(line.trim());
    if (match?.[1] && skipped?.has(match[1])) continue;
    if (match?.[2] && match[3] !== undefined) {
      seen = true;
      if (match[2] === 'Read') read += Number(match[3]);
      else write += Number(match[3]);
    }
  }
  // "Total 0" alone means no device has a throttle entry yet: not a measured zero.
  return seen ? { read, write } : undefined;
}

/** Raw v1 files for one group, as read from the memory, cpuacct and blkio hierarchies. */
export interface CgroupV1Files {
  memoryUsage?: string;
  memoryMaxUsage?: string;
  memoryStat?: string;
  cpuacctUsage?: string;
  cpuacctStat?: string;
  blkioBytes?: string;
  blkioOps?: string;
}

/** Seconds per USER_HZ tick in cpuacct.stat. */
const defaultTickSeconds = 0.01;

/** Normalise v1 files into a reading. */
export function parseCgroupV1(
  files: CgroupV1Files,
  tickSeconds = defaultTickSeconds,
  skippedDevices?: ReadonlySet<string>,
): CgroupReading {
  const stat = files.memoryStat === undefined ? undefined : pickFlatKeyed(files.memoryStat, memoryStatKeys);
  const cpuStat = files.cpuacctStat === undefined ? undefined : parseFlatKeyed(files.cpuacctStat);
  const bytes = files.blkioBytes === undefined ? undefined : parseBlkioThrottle(files.blkioBytes, skippedDevices);
  const ops = files.blkioOps === undefined ? undefined : parseBlkioThrottle(files.blkioOps, skippedDevices);
  const usage = files.memoryUsage === undefined ? undefined : parseSingleInteger(files.memoryUsage);
  const inactiveFile = stat?.get('total_inactive_file') ?? stat?.get('inactive_file');
  const cpuNs = files.cpuacctUsage === undefined ? undefined : parseSingleInteger(files.cpuacctUsage);
  const user = cpuStat?.get('user');
  const system = cpuStat?.get('system');
  return {
    memoryUsageBytes: usage,
    memoryPeakBytes: files.memoryMaxUsage === undefined ? undefined : parseSingleInteger(files.memoryMaxUsage),
    anonBytes: stat?.get('total_rss') ?? stat?.get('rss'),
    fileBytes: stat?.get('total_cache') ?? stat?.get('cache'),
    inactiveFileBytes: inactiveFile,
    workingSetBytes: workingSet(usage, inactiveFile),
    cpuUsageSeconds: cpuNs === undefined ? undefined : cpuNs / 1e9,
    cpuUserSeconds: user === undefined ? undefined : user * tickSeconds,
    cpuSystemSeconds: system === undefined ? undefined : system * tickSeconds,
    ioReadBytes: bytes?.read,
    ioWriteBytes: bytes?.write,
    ioReadOps: ops?.read,
    ioWriteOps: ops?.write,
  };
}

/** Where each v1 figure comes from. */
export const cgroupV1Sources: CgroupSources = {
  memoryUsageBytes: 'cgroup.v1.memory.usage_in_bytes',
  memoryPeakBytes: 'cgroup.v1.memory.max_usage_in_bytes',
  anonBytes: 'cgroup.v1.memory.stat.total_rss',
  fileBytes: 'cgroup.v1.memory.stat.total_cache',
  inactiveFileBytes: 'cgroup.v1.memory.stat.total_inactive_file',
  workingSetBytes: 'cgroup.v1.memory.usage_in_bytes-total_inactive_file',
  cpuUsageSeconds: 'cgroup.v1.cpuacct.usage',
  cpuUserSeconds: 'cgroup.v1.cpuacct.stat.user',
  cpuSystemSeconds: 'cgroup.v1.cpuacct.stat.system',
  ioReadBytes: 'cgroup.v1.blkio.throttle.io_service_bytes.Read',
  ioWriteBytes: 'cgroup.v1.blkio.throttle.io_service_bytes.Write',
  ioReadOps: 'cgroup.v1.blkio.throttle.io_serviced.Read',
  ioWriteOps: 'cgroup.v1.blkio.throttle.io_serviced.Write',
};
