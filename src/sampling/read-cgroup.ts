import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupLocation } from './cgroup-paths.js';
import type { CgroupReading } from './cgroup-reading.js';
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

/** Read one cgroup's figures (v1 or v2) from the host. */
export async function readCgroup(location: CgroupLocation, tickSeconds: number): Promise<CgroupReading> {
  if (location.version === 2) {
    const file = (name: string) => readOptional(join(location.dir, name));
    const [memoryCurrent, memoryPeak, memoryStat, cpuStat, ioStat] = await Promise.all([
      file('memory.current'),
      file('memory.peak'),
      file('memory.stat'),
      file('cpu.stat'),
      file('io.stat'),
    ]);
    return parseCgroupV2({ memoryCurrent, memoryPeak, memoryStat, cpuStat, ioStat });
  }
  const { memory, cpuacct, blkio } = location.dirs;
  const file = (dir: string | undefined, name: string) => (dir ? readOptional(join(dir, name)) : Promise.resolve(undefined));
  const [memoryUsage, memoryMaxUsage, memoryStat, cpuacctUsage, cpuacctStat, blkioBytes, blkioOps] = await Promise.all([
    file(memory, 'memory.usage_in_bytes'),
    file(memory, 'memory.max_usage_in_bytes'),
    file(memory, 'memory.stat'),
    file(cpuacct, 'cpuacct.usage'),
    file(cpuacct, 'cpuacct.stat'),
    file(blkio, 'blkio.throttle.io_service_bytes_recursive'),
    file(blkio, 'blkio.throttle.io_serviced_recursive'),
  ]);
  return parseCgroupV1({ memoryUsage, memoryMaxUsage, memoryStat, cpuacctUsage, cpuacctStat, blkioBytes, blkioOps }, tickSeconds);
}

/**
 * Pids in a cgroup and every group below it (`cgroup.procs`), from the memory hierarchy on v1: the
 * guest's processes sit in a child (Docker's container group, the harness's `guest` leaf, libvirt's
 * `emulator`), while the group itself is what the counters are read from.
 */
export async function readCgroupPids(location: CgroupLocation): Promise<CgroupTree> {
  const dir = location.version === 2 ? location.dir : location.dirs.memory;
  return dir ? readCgroupTree(dir) : { pids: [], childGroups: 0 };
}

/** The processes of a cgroup tree, and how many groups it has below its top. */
export interface CgroupTree {
  pids: number[];
  childGroups: number;
}

/** Pids in a cgroup folder and all its descendants, with the number of descendant groups. */
export async function readCgroupTree(dir: string): Promise<CgroupTree> {
  const [text, children] = await Promise.all([readOptional(join(dir, 'cgroup.procs')), readdir(dir, { withFileTypes: true }).catch(() => [])]);
  const own = (text ?? '').split('\n').filter((line) => line.trim() !== '').map(Number);
  const below = await Promise.all(children.filter((entry) => entry.isDirectory()).map((entry) => readCgroupTree(join(dir, entry.name))));
  return { pids: [...own, ...below.flatMap((tree) => tree.pids)], childGroups: below.reduce((sum, tree) => sum + 1 + tree.childGroups, 0) };
}

/** Pids in a cgroup folder and all its descendants. */
export async function pidsInCgroupTree(dir: string): Promise<number[]> {
  return (await readCgroupTree(dir)).pids;
}
