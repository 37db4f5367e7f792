import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCgroupMounts, type CgroupMounts } from '../sampling/cgroup-paths.js';
import { systemdOwnsCgroups } from './systemd-cgroup.js';

/** How cgroups are mounted on this host and which controllers the sampler can use. */
export interface CgroupMode {
  version: 1 | 2;
  mode: 'v1' | 'hybrid' | 'v2';
  controllers: string[];
  /** systemd is the init and owns the tree: trial groups are transient slices it makes (see systemd-cgroup.ts). */
  systemdOwnsTree: boolean;
}

/** Decide the cgroup mode from parsed mounts and, for v2, the root's cgroup.controllers text. */
function cgroupModeFrom(mounts: CgroupMounts, v2Controllers: string | undefined): CgroupMode | undefined {
  const systemdOwnsTree = systemdOwnsCgroups(mounts);
  if (mounts.v1.has('memory')) {
    return {
      version: 1,
      mode: mounts.v2 ? 'hybrid' : 'v1',
      controllers: [...mounts.v1.keys()].sort(),
      systemdOwnsTree,
    };
  }
  if (mounts.v2)
    return {
      version: 2,
      mode: 'v2',
      controllers: (v2Controllers ?? '').trim().split(/\s+/).filter(Boolean).sort(),
      systemdOwnsTree,
    };
  return undefined;
}

let mountinfo: Promise<string> | undefined;

/**
 * This process's /proc/self/mountinfo, read once: cgroup hierarchies are mounted before a run starts and stay for
 * its length, so the run's probe, its backends and each trial's cgroup read the same facts instead of the file again.
 */
export function hostMountinfo(): Promise<string> {
  mountinfo ??= readFile('/proc/self/mountinfo', 'utf8');
  return mountinfo;
}

/** The cgroup mounts of `hostMountinfo`. */
export async function hostCgroupMounts(): Promise<CgroupMounts> {
  return parseCgroupMounts(await hostMountinfo());
}

/** Read this host's cgroup mode. */
export async function readCgroupMode(): Promise<CgroupMode | undefined> {
  const mounts = await hostCgroupMounts();
  const controllers = mounts.v2
    ? await readFile(join(mounts.v2, 'cgroup.controllers'), 'utf8').catch(() => undefined)
    : undefined;
  return cgroupModeFrom(mounts, controllers);
}

/** Kernel samepage merging: when on, identical guest pages are shared and PSS drops. */
export async function readKsm(): Promise<'on' | 'off' | 'unavailable'> {
  const text = await readFile('/sys/kernel/mm/ksm/run', 'utf8').catch(() => undefined);
  if (text === undefined) return 'unavailable';
  return text.trim() === '1' ? 'on' : 'off';
}
