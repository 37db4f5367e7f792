import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runStep } from './run-step.js';

/** Packages every guest gets: the tools of the workload suite plus busybox for the agent. */
export const guestPackages: readonly string[] = [
  'sysbench',
  'fio',
  'stress-ng',
  'iperf3',
  'sockperf',
  'redis-server',
  'busybox',
];

/** What goes into the base root filesystem; its digest keys the debootstrap cache. */
export interface RootfsSpec {
  readonly debianArch: string;
  readonly suite: string;
  readonly mirror: string;
  readonly packages: readonly string[];
}

/** `debootstrap --variant=minbase` into `target` (which must not exist yet). */
export async function debootstrap(spec: RootfsSpec, target: string, signal?: AbortSignal): Promise<void> {
  await runStep(
    'debootstrap',
    'debootstrap',
    [
      '--variant=minbase',
      `--arch=${spec.debianArch}`,
      `--include=${spec.packages.join(',')}`,
      spec.suite,
      target,
      spec.mirror,
    ],
    { cancelSignal: signal },
  );
}

/** Folders removed from the tree: package caches and documentation the workloads never read. */
const removable = [
  'var/cache/apt/archives',
  'var/cache/apt/pkgcache.bin',
  'var/cache/apt/srcpkgcache.bin',
  'var/lib/apt/lists',
  'var/log',
  'usr/share/doc',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
];

/** Remove caches and docs so both packagings carry only what runs. */
export async function cleanRootfs(tree: string): Promise<void> {
  for (const relative of removable) {
    await rm(join(tree, relative), { recursive: true, force: true });
  }
  await mkdir(join(tree, 'var/cache/apt/archives/partial'), { recursive: true });
  await mkdir(join(tree, 'var/lib/apt/lists/partial'), { recursive: true });
  await mkdir(join(tree, 'var/log'), { recursive: true });
}

/** Copy the agent and workload definitions to /twinbench in the tree (same files for every runtime). */
export async function installAgent(tree: string, workloadsSource: string): Promise<void> {
  const target = join(tree, 'twinbench');
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  await cp(join(workloadsSource, 'agent.sh'), join(target, 'agent.sh'));
  await cp(workloadsSource, join(target, 'workloads'), { recursive: true });
}

/** Copy a tree preserving owners, modes, links and devices (cp -a). */
export async function copyTree(from: string, to: string, signal?: AbortSignal): Promise<void> {
  await runStep('copy rootfs', 'cp', ['-a', '--reflink=auto', from, to], { cancelSignal: signal });
}
