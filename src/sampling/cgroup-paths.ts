/** Controllers the sampler reads. */
export type SampledController = 'memory' | 'cpuacct' | 'blkio';

/** Where a process's cgroups live on this host. */
export type CgroupLocation =
  | { readonly version: 1; readonly dirs: Partial<Record<SampledController, string>> }
  | { readonly version: 2; readonly dir: string };

/**
 * The folder of a location that holds its memory figures and lists its processes: v1's memory hierarchy, or the v2
 * folder. Undefined where v1 has no memory hierarchy for it.
 */
export function memoryDir(location: CgroupLocation): string | undefined {
  return location.version === 2 ? location.dir : location.dirs.memory;
}

/** Mount points from /proc/self/mountinfo: v1 controller → mount point, and the cgroup2 mount. */
export interface CgroupMounts {
  readonly v1: ReadonlyMap<string, string>;
  readonly v2: string | undefined;
}

/** Parse /proc/self/mountinfo into cgroup mount points (v1 per controller, and the v2 mount). */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const mountPoint = before.split(' ')[4];
    const [fsType, , superOptions] = after.split(' ');
    if (!mountPoint) continue;
    if (fsType === 'cgroup2') v2 ??= mountPoint;
    if (fsType === 'cgroup' && superOptions) {
      for (const option of superOptions.split(',')) {
        if (['memory', 'cpuacct', 'cpu', 'blkio', 'pids', 'cpuset'].includes(option)) v1.set(option, mountPoint);
      }
    }
  }
  return { v1, v2 };
}

/** Every cgroup (v1) and cgroup2 mount point in /proc/self/mountinfo, whatever its controllers. */
export function listCgroupMountPoints(mountinfo: string): string[] {
  const points = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    const mountPoint = before?.split(' ')[4];
    const fsType = after?.split(' ')[0];
    if (mountPoint && (fsType === 'cgroup' || fsType === 'cgroup2')) points.add(mountPoint);
  }
  return [...points];
}

/** Parse /proc/PID/cgroup into hierarchy → path (`0::/x` for v2 is keyed as ''). */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!match || match[1] === undefined || match[2] === undefined) continue;
    for (const controller of match[1] === '' ? [''] : match[1].split(',')) paths.set(controller, match[2]);
  }
  return paths;
}

/**
 * Locate a process's cgroup folders. v1 when the memory controller is mounted as v1 (pure v1 or
 * hybrid hosts), otherwise v2. Returns undefined when the process's cgroup cannot be found.
 */
export function locateCgroup(procCgroup: string, mounts: CgroupMounts): CgroupLocation | undefined {
  const paths = parseProcCgroup(procCgroup);
  if (mounts.v1.has('memory')) {
    const dirs: Partial<Record<SampledController, string>> = {};
    for (const controller of ['memory', 'cpuacct', 'blkio'] as const) {
      const mount = mounts.v1.get(controller);
      const path = paths.get(controller);
      if (mount && path !== undefined) dirs[controller] = joinCgroup(mount, path);
    }
    return { version: 1, dirs };
  }
  const path = paths.get('');
  if (mounts.v2 && path !== undefined) return { version: 2, dir: joinCgroup(mounts.v2, path) };
  return undefined;
}

function joinCgroup(mount: string, path: string): string {
  return path === '/' ? mount : `${mount}${path}`;
}
