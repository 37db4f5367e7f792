import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { hostCgroupMounts, hostMountinfo } from './cgroup-mode.js';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  listCgroupMountPoints,
  parseCgroupMounts,
  type CgroupLocation,
  type SampledController,
} from '../sampling/cgroup-paths.js';
import { deviceKey, nonLimitingBps, type IoDevices } from './block-device.js';
import { envelopeWrites, type Envelope } from './envelope.js';
import { guestScopeName, startTrialSlice, stopUnit, systemdOwnsCgroups, trialSliceName } from './systemd-cgroup.js';

/** Parent folder of every cgroup twinbench creates, under each hierarchy. */
export const harnessCgroupParent = 'twinbench';

/** Name of the leaf that processes the harness starts itself (QEMU, the native agent) join. */
const leafName = 'guest';

/** v1 controllers a trial group is made in: the sampled ones plus cpu and pids for parity with Docker. */
const v1Controllers = ['memory', 'cpuacct', 'cpu', 'blkio', 'pids'] as const;

/** A cgroup (one folder per v1 hierarchy, or one v2 folder) that processes join by writing their pid. */
export interface HarnessCgroup {
  /** Path below each hierarchy's root, e.g. `/twinbench/<run>-<trial>/guest`. */
  readonly path: string;
  /** `cgroup.procs` files a process writes its pid to, to join the group. */
  readonly procsFiles: readonly string[];
  readonly dirs: readonly string[];
  /** Where systemd owns the tree: the transient scope (below the trial's slice) a process is started in instead. */
  readonly systemdScope?: { readonly unit: string; readonly slice: string };
}

/**
 * One trial's cgroup, made before its guest starts and removed after the last sample: the sampler
 * reads the group itself, whose hierarchical counters (CPU time, memory high-water mark) keep what a
 * child used after the child is gone, so a guest of any length is measured. Docker puts its container
 * below it (`CgroupParent`); processes the harness starts join its `guest` leaf.
 */
export interface TrialCgroup {
  /** `/twinbench/<run>-<trial>`: the group's path below every hierarchy's root. */
  readonly path: string;
  /** Where the sampler reads it. */
  readonly location: CgroupLocation;
  /** The leaf harness-started processes join (v2 allows no process in a group with controllers enabled). */
  readonly leaf?: HarnessCgroup;
  /** Where systemd owns the tree: the group is this transient slice (a container engine's systemd driver takes it as `CgroupParent`). */
  readonly slice?: string;
}

/** The path of trial `name`'s group below every hierarchy's root. */
function trialCgroupPath(name: string): string {
  return `/${harnessCgroupParent}/${name}`;
}

/**
 * Create `twinbench/<name>` (with its `guest` leaf if `leaf`: only where the harness starts the guest's
 * processes itself, so that a runtime's own child is the group's only one) in every relevant hierarchy
 * (v1) or in the unified one (v2). On v1 a non-limiting throttle rule for each of `ioDevices.ruled` on the group
 * makes the blkio counters of everything below it count (children inherit it; see block-device.ts).
 * Where systemd owns a unified tree the group is a transient slice instead (see systemd-cgroup.ts).
 */
export async function createTrialCgroup(
  name: string,
  options: { ioDevices?: IoDevices | undefined; leaf: boolean; envelope: Envelope },
): Promise<TrialCgroup> {
  const { ioDevices } = options;
  const mounts = await hostCgroupMounts();
  const path = trialCgroupPath(name);
  const dirs: string[] = [];
  if (mounts.v1.has('memory')) {
    const location: Partial<Record<SampledController, string>> = {};
    for (const controller of v1Controllers) {
      const mount = mounts.v1.get(controller);
      if (!mount) continue;
      const dir = join(mount, path);
      if (controller === 'memory' || controller === 'cpuacct' || controller === 'blkio') location[controller] = dir;
      if (dirs.includes(dir)) continue;
      await mkdir(options.leaf ? join(dir, leafName) : dir, { recursive: true });
      dirs.push(dir);
      if (controller === 'blkio' && ioDevices) {
        // One rule per write: the file takes a single MAJ:MIN rate line.
        for (const device of ioDevices.ruled) {
          const rule = `${deviceKey(device)} ${nonLimitingBps}`;
          await writeFile(join(dir, 'blkio.throttle.read_bps_device'), rule);
          await writeFile(join(dir, 'blkio.throttle.write_bps_device'), rule);
        }
      }
    }
    for (const write of envelopeWrites(1, options.envelope)) {
      const mount = mounts.v1.get(write.controller);
      if (mount) await writeEnvelopeFile(join(mount, path), write);
    }
    return { path, location: { version: 1, dirs: location }, ...(options.leaf ? { leaf: leafOf(path, dirs) } : {}) };
  }
  if (mounts.v2 && systemdOwnsCgroups(mounts)) {
    const slice = trialSliceName(name);
    const dir = await startTrialSlice(slice, options.envelope, mounts.v2);
    const scope = guestScopeName(slice);
    const leaf: HarnessCgroup = {
      path: `/${slice}/${scope}`,
      dirs: [join(dir, scope)],
      procsFiles: [],
      systemdScope: { unit: scope, slice },
    };
    return { path: `/${slice}`, location: { version: 2, dir }, slice, ...(options.leaf ? { leaf } : {}) };
  }
  if (mounts.v2) {
    const enable = '+memory +cpu +io +pids';
    // Controllers must be enabled on every level above a group for its files to exist.
    await writeFile(join(mounts.v2, 'cgroup.subtree_control'), enable).catch(() => undefined);
    await mkdir(join(mounts.v2, harnessCgroupParent), { recursive: true });
    await writeFile(join(mounts.v2, harnessCgroupParent, 'cgroup.subtree_control'), enable).catch(() => undefined);
    const dir = join(mounts.v2, path);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cgroup.subtree_control'), enable).catch(() => undefined);
    for (const write of envelopeWrites(2, options.envelope)) await writeEnvelopeFile(dir, write);
    if (options.leaf) await mkdir(join(dir, leafName), { recursive: true });
    dirs.push(dir);
    return { path, location: { version: 2, dir }, ...(options.leaf ? { leaf: leafOf(path, dirs) } : {}) };
  }
  throw new Error('no cgroup hierarchy is mounted under /sys/fs/cgroup');
}

/** Write one envelope file; a missing optional one (no swap accounting) is skipped, anything else fails the trial. */
async function writeEnvelopeFile(
  dir: string,
  write: { file: string; value: string; optional?: boolean },
): Promise<void> {
  try {
    await writeFile(join(dir, write.file), write.value);
  } catch (error) {
    if (write.optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`cannot set ${write.file} = ${write.value} on ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function leafOf(path: string, dirs: readonly string[]): HarnessCgroup {
  const leafDirs = dirs.map((dir) => join(dir, leafName));
  return { path: `${path}/${leafName}`, dirs: leafDirs, procsFiles: leafDirs.map((dir) => join(dir, 'cgroup.procs')) };
}

/**
 * Wait until a process has joined every hierarchy of the group (a join-then-exec wrapper writes its
 * pid to each cgroup.procs in turn). A process already gone is `exited`: a guest may finish at once,
 * and a failed join shows as the wrapper's own exit code.
 */
export async function waitUntilJoined(
  pid: number,
  group: HarnessCgroup,
  timeoutMs = 3000,
): Promise<'joined' | 'exited' | 'timeout'> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined);
    if (text === undefined) return 'exited';
    const joined = text.split('\n').filter((line) => line.endsWith(`:${group.path}`)).length;
    if (joined >= group.dirs.length) return 'joined';
    await sleep(2);
  }
  return 'timeout';
}

/**
 * Remove trial `name`'s group: where systemd owns the tree, stop its slice (systemd removes the group and
 * ends what is still in it); else remove `twinbench/<name>` with everything below it in every mounted
 * hierarchy, including the folders a container runtime made there (cpuset, devices, freezer…), deepest
 * first, retrying briefly while exiting processes drain.
 */
export async function removeTrialCgroup(name: string): Promise<void> {
  const mountinfo = await hostMountinfo();
  if (systemdOwnsCgroups(parseCgroupMounts(mountinfo))) return stopUnit(trialSliceName(name));
  for (const mount of listCgroupMountPoints(mountinfo)) await removeCgroupTree(join(mount, trialCgroupPath(name)));
}

/** Remove one cgroup folder and its descendants, deepest first; a missing folder is fine. */
export async function removeCgroupTree(dir: string): Promise<void> {
  const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const child of children.filter((entry) => entry.isDirectory())) await removeCgroupTree(join(dir, child.name));
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw error;
      await sleep(100);
    }
  }
}
