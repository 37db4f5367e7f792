import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateCgroup, parseCgroupMounts, type CgroupLocation } from '../sampling/cgroup-paths.js';
import { nonLimitingBps, type BlockDevice } from './block-device.js';

/** Parent folder of every cgroup twinbench creates, under each hierarchy. */
export const harnessCgroupParent = 'twinbench';

/** v1 controllers a harness group joins: the sampled ones plus cpu and pids for parity with Docker. */
const v1Controllers = ['memory', 'cpuacct', 'cpu', 'blkio', 'pids'] as const;

/** A cgroup (one folder per v1 hierarchy, or one v2 folder) made by the harness for one guest. */
export interface HarnessCgroup {
  /** `cgroup.procs` files a process writes its pid to, to join the group. */
  readonly procsFiles: readonly string[];
  readonly dirs: readonly string[];
}

/**
 * Create `twinbench/<name>` in every relevant hierarchy (v1) or in the unified one (v2). On v1, a
 * non-limiting throttle rule for `countDevice` makes the blkio counters count (see block-device.ts).
 */
export async function createHarnessCgroup(name: string, countDevice?: BlockDevice): Promise<HarnessCgroup> {
  const mounts = parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
  const dirs: string[] = [];
  if (mounts.v1.has('memory')) {
    for (const controller of v1Controllers) {
      const mount = mounts.v1.get(controller);
      if (!mount) continue;
      const dir = join(mount, harnessCgroupParent, name);
      if (dirs.includes(dir)) continue;
      await mkdir(dir, { recursive: true });
      dirs.push(dir);
      if (controller === 'blkio' && countDevice) {
        const rule = `${countDevice.major}:${countDevice.minor} ${nonLimitingBps}`;
        await writeFile(join(dir, 'blkio.throttle.read_bps_device'), rule);
        await writeFile(join(dir, 'blkio.throttle.write_bps_device'), rule);
      }
    }
  } else if (mounts.v2) {
    const parent = join(mounts.v2, harnessCgroupParent);
    // Controllers must be enabled on every level above the group for its files to exist.
    await writeFile(join(mounts.v2, 'cgroup.subtree_control'), '+memory +cpu +io +pids').catch(() => undefined);
    await mkdir(parent, { recursive: true });
    await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +cpu +io +pids').catch(() => undefined);
    const dir = join(parent, name);
    await mkdir(dir, { recursive: true });
    dirs.push(dir);
  } else {
    throw new Error('no cgroup hierarchy is mounted under /sys/fs/cgroup');
  }
  return { dirs, procsFiles: dirs.map((dir) => join(dir, 'cgroup.procs')) };
}

/**
 * Wait until a process has joined every hierarchy of the group (a join-then-exec wrapper writes
 * its pid to each cgroup.procs in turn), then locate its cgroup from /proc/PID/cgroup. Reading any
 * earlier can catch it half-joined: memory in the group, cpuacct still in the root.
 */
export async function waitUntilJoined(pid: number, group: HarnessCgroup, timeoutMs = 3000): Promise<CgroupLocation | undefined> {
  const mounts = parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
  const leaf = `/${harnessCgroupParent}/${basename(group.dirs[0] ?? '')}`;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const joined = text.split('\n').filter((line) => line.endsWith(leaf)).length;
    if (joined >= group.dirs.length) return locateCgroup(text, mounts);
    await sleep(2);
  }
  return undefined;
}

/** Remove the group's folders; retries briefly while exiting processes drain from them. */
export async function removeHarnessCgroup(group: HarnessCgroup): Promise<void> {
  for (const dir of group.dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 50) throw error;
        await sleep(100);
      }
    }
  }
}
