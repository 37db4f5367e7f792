import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryDir, type CgroupLocation } from './cgroup-paths.js';
import type { CgroupReading } from './cgroup-reading.js';
import type { CgroupTree, KernelFiles } from './kernel-files.js';
import { parseCgroupV1 } from './cgroup-v1.js';
import { parseCgroupV2 } from './cgroup-v2.js';

/** Read a file, or undefined when it does not exist (yet, or any more). */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Read one cgroup's figures (v1 or v2) through `files`. `full: false` reads only what every sample
 * needs (memory usage and working set, CPU time); the high-water mark, the v1 user/system split and
 * the I/O files are read on the sampler's full samples.
 */
export function readCgroup(
  location: CgroupLocation,
  tickSeconds: number,
  files: KernelFiles,
  options: { full: boolean; skippedDevices?: ReadonlySet<string> } = { full: true },
): CgroupReading {
  if (location.version === 2) {
    const file = (name: string) => files.read(join(location.dir, name));
    return parseCgroupV2(
      {
        memoryCurrent: file('memory.current'),
        memoryPeak: options.full ? file('memory.peak') : undefined,
        memoryStat: file('memory.stat'),
        cpuStat: file('cpu.stat'),
        ioStat: options.full ? file('io.stat') : undefined,
      },
      options.skippedDevices,
    );
  }
  const { memory, cpuacct, blkio } = location.dirs;
  const file = (dir: string | undefined, name: string) => (dir ? files.read(join(dir, name)) : undefined);
  return parseCgroupV1(
    {
      memoryUsage: file(memory, 'memory.usage_in_bytes'),
      memoryMaxUsage: options.full ? file(memory, 'memory.max_usage_in_bytes') : undefined,
      memoryStat: file(memory, 'memory.stat'),
      cpuacctUsage: file(cpuacct, 'cpuacct.usage'),
      cpuacctStat: options.full ? file(cpuacct, 'cpuacct.stat') : undefined,
      blkioBytes: options.full ? file(blkio, 'blkio.throttle.io_service_bytes_recursive') : undefined,
      blkioOps: options.full ? file(blkio, 'blkio.throttle.io_serviced_recursive') : undefined,
    },
    tickSeconds,
    options.skippedDevices,
  );
}

/**
 * Pids in a cgroup and every group below it (`cgroup.procs`), from the memory hierarchy on v1: the
 * guest's processes sit in a child (Docker's container group, the harness's `guest` leaf, libvirt's
 * `emulator`), while the group itself is what the counters are read from.
 */
export function readCgroupPids(
  location: CgroupLocation,
  files: KernelFiles,
  options: { list: boolean } = { list: true },
): CgroupTree {
  const dir = memoryDir(location);
  return dir ? files.readTree(dir, options) : { pids: [], childGroups: 0 };
}
