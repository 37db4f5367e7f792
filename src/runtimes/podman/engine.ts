import { readdir, readFile, readlink } from 'node:fs/promises';
import Docker from 'dockerode';
import type { ContainerEngine } from '../docker/engine-backend.js';

/** Podman's rootful API socket: CONTAINER_HOST (`unix://…`, Podman's own variable) or its standard path. */
export function podmanSocket(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.CONTAINER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/run/podman/podman.sock';
}

/** `Max open files` and `Max processes` (soft, hard) of /proc/PID/limits text; undefined where unlimited or absent. */
export function parseLimits(text: string): { nofile?: [number, number]; nproc?: [number, number] } {
  const pick = (label: string): [number, number] | undefined => {
    const match = new RegExp(`^${label}\\s+(\\d+)\\s+(\\d+)`, 'm').exec(text);
    return match ? [Number(match[1]), Number(match[2])] : undefined;
  };
  const nofile = pick('Max open files');
  const nproc = pick('Max processes');
  return { ...(nofile ? { nofile } : {}), ...(nproc ? { nproc } : {}) };
}

/** The process named `comm` holding the listening unix socket at `path` (socket activation: not pid 1), or undefined. */
async function socketOwner(path: string, comm: string): Promise<number | undefined> {
  const table = await readFile('/proc/net/unix', 'utf8').catch(() => '');
  const inodes = new Set(
    table
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[7] === path)
      .map((fields) => `socket:[${fields[6] ?? ''}]`),
  );
  if (inodes.size === 0) return undefined;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim() !== comm) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds)
      if (inodes.has(await readlink(`/proc/${entry}/fd/${fd}`).catch(() => ''))) return Number(entry);
  }
  return undefined;
}

/**
 * Podman through its Docker-compatible API. Its containers get the engine's own file and process limits,
 * as Docker's inherit containerd's: Podman's default (1048576 of each) is more than a root without
 * CAP_SYS_RESOURCE may grant, and crun then refuses every container.
 */
export function podmanEngine(socketPath = podmanSocket()): ContainerEngine {
  return {
    label: 'Podman',
    address: socketPath,
    client: new Docker({ socketPath }),
    shimComm: 'conmon',
    tagAfterImport: true,
    bridgeOnDemand: true,
    // Podman's cgroupfs manager puts conmon in `<CgroupParent>/conmon`, beside the container's `libpod-<id>`
    // group; its systemd manager gives conmon a scope of its own.
    helperPlacement: (cgroupDriver) =>
      cgroupDriver === 'cgroupfs'
        ? {
            insideTrialGroup: true,
            text:
              "conmon, in a group below the trial's, beside the container's (cgroupfs manager): sampled like containerd's shim, inside the cgroup figures and the envelope, not added again; " +
              "after the container exits, its exit command (podman container cleanup) runs there too, so peak and total figures include that work, which Docker does in its daemons, outside any trial's group",
          }
        : {
            insideTrialGroup: false,
            text: `conmon, in a cgroup of its own (${cgroupDriver} manager): sampled like containerd's shim and added to what the host pays by PSS`,
          },
    async containerUlimits() {
      const owner = await socketOwner(socketPath, 'podman');
      const source = owner === undefined ? 'self' : String(owner);
      const limits = parseLimits(await readFile(`/proc/${source}/limits`, 'utf8'));
      const ulimits = (['nofile', 'nproc'] as const).flatMap((name) => {
        const pair = limits[name];
        return pair ? [{ Name: name, Soft: pair[0], Hard: pair[1] }] : [];
      });
      const how =
        owner === undefined
          ? `the harness's own: no podman process found holding ${socketPath}`
          : `the Podman service's own (pid ${owner}), as Docker's containers inherit containerd's`;
      return { ulimits, how };
    },
  };
}
