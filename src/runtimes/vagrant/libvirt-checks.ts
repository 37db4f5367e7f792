import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { MissingDependencyError } from '../../errors.js';
import { ownedByNoLiveRun } from '../../host/harness-bridge.js';
import {
  libvirtdKvmView,
  libvirtRunsDir,
  libvirtSlowCallMs,
  libvirtUri,
  listNames,
  removeLibvirtObject,
  timeLibvirtCapabilities,
} from './libvirt.js';
import type { CleanContext, CleanReport, DoctorCheck } from '../runtime.js';

/**
 * libvirtd reachable, and answering from its capability cache: where it re-probes QEMU on every call
 * (seconds each), `vagrant up` spends a minute before the guest starts.
 */
export async function libvirtChecks(): Promise<DoctorCheck[]> {
  const fix =
    "give /dev/kvm the ownership udev gives it on Debian (chgrp kvm /dev/kvm && chmod 660 /dev/kvm: QEMU's user libvirt-qemu is in group kvm), or let scripts/setup.sh --vagrant start libvirtd and do it; remove any mask over /dev/kvm";
  const version = await execa('virsh', ['-c', libvirtUri, 'version'], { reject: false, all: true });
  if (version.exitCode !== 0) {
    return [
      {
        name: 'libvirtd',
        status: 'warning',
        detail: `not reachable at ${libvirtUri} (only the vagrant runtime needs it)`,
        fix: 'scripts/setup.sh --vagrant',
        required: false,
      },
    ];
  }
  const hypervisor =
    String(version.stdout)
      .split('\n')
      .find((l) => /Running hypervisor/.test(l))
      ?.trim() ?? 'answers';
  const [timing, kvmView] = await Promise.all([timeLibvirtCapabilities().catch(() => undefined), libvirtdKvmView()]);
  const slow = timing === undefined || timing.secondMs > libvirtSlowCallMs;
  const timed = timing
    ? `cached virsh capabilities ${timing.secondMs} ms (first ${timing.firstMs} ms)`
    : 'virsh capabilities failed';
  return [
    { name: 'libvirtd', status: 'ok', detail: hypervisor, required: false },
    {
      name: 'libvirt capability cache',
      status: slow ? 'warning' : 'ok',
      detail: `${timed}; /dev/kvm ${kvmView}${slow ? ` (over ${libvirtSlowCallMs} ms: libvirt re-probes QEMU on every call, and vagrant up takes minutes)` : ''}`,
      ...(slow ? { fix } : {}),
      required: false,
    },
  ];
}

/** Vagrant runtime leftovers: libvirt domains, pools and networks named `tb-<run tag>…`, and the run's libvirt folder. */
export async function cleanLibvirt(context: CleanContext): Promise<CleanReport> {
  const removed: string[] = [];
  try {
    for (const kind of ['domain', 'pool', 'network'] as const) {
      for (const name of (await listNames(kind)).filter((candidate) =>
        ownedByNoLiveRun(candidate, context.liveRunIds),
      )) {
        await removeLibvirtObject(kind, name);
        removed.push(`libvirt ${kind} ${name}`);
      }
    }
  } catch (error) {
    // No virsh or no libvirtd: the Vagrant runtime cannot have run here (or left anything running).
    if (!(error instanceof MissingDependencyError)) {
      return {
        removed,
        problems: [],
        notes: [`libvirt not reachable (${(error as Error).message}); its domains, networks and pools not checked`],
      };
    }
  }
  for (const folder of await readdir(libvirtRunsDir).catch(() => [] as string[])) {
    if (context.liveRunIds.has(folder)) continue;
    await rm(join(libvirtRunsDir, folder), { recursive: true, force: true });
    removed.push(`folder ${join(libvirtRunsDir, folder)}`);
  }
  return { removed, problems: [] };
}
