import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cleanHarnessLinks } from '../../host/harness-bridge.js';
import { cacheDir } from '../../paths.js';
import { requireHostPackages } from '../host-packages.js';
import type { CleanContext, CleanReport, RuntimeDescriptor } from '../runtime.js';
import { LxcBackend, lxcVersion } from './backend.js';

/**
 * Containers of runs that are not alive, still running under their run's folder (`<cache>/runs/<run>/lxc/<trial>`):
 * stopped with `lxc-stop -k` before `bench clean` empties the trial cgroups and removes the folders; then the
 * veths and the run's bridge, as for QEMU's taps.
 */
async function cleanLxcLeftovers(context: CleanContext): Promise<CleanReport> {
  const removed: string[] = [];
  const problems: string[] = [];
  const runs = join(cacheDir(), 'runs');
  for (const runId of await readdir(runs).catch(() => [] as string[])) {
    if (context.liveRunIds.has(runId)) continue;
    const lxcPath = join(runs, runId, 'lxc');
    for (const name of await readdir(lxcPath).catch(() => [] as string[])) {
      const state = await execa('lxc-info', ['-s', '-H', '-n', name, '-P', lxcPath], { reject: false });
      if (state.exitCode !== 0 || state.stdout.trim() === 'STOPPED') continue;
      const stopped = await execa('lxc-stop', ['-k', '-n', name, '-P', lxcPath], { reject: false, all: true });
      if (stopped.exitCode === 0) removed.push(`LXC container ${name} of run ${runId}`);
      else problems.push(`LXC container ${name} of run ${runId}: lxc-stop -k failed: ${String(stopped.all).trim()}`);
    }
  }
  const links = await cleanHarnessLinks(context);
  return { removed: [...removed, ...links.removed], problems: [...problems, ...links.problems] };
}

/**
 * LXC system containers (Debian's `lxc`, liblxc 5), what Proxmox users weigh against KVM VMs: the same rootfs,
 * agent, envelope, sampler and harness bridge as the other runtimes, run by `lxc-start` instead of an engine.
 */
export const lxc: RuntimeDescriptor<'lxc'> = {
  name: 'lxc',
  label: 'LXC',
  kind: 'container',
  summary: 'LXC system containers (lxc-start, liblxc) from the shared rootfs (setup.sh --runtimes lxc installs lxc)',
  facts: [{ key: 'lxcVersion', name: 'LXC', version: true }],
  userImages: true,
  density: true,
  foreignGuests: false,
  async probe(host) {
    requireHostPackages('lxc', host.guestArch);
    return `LXC ${await lxcVersion()}`;
  },
  // Its host commands (lxc-start, ip, taskset) are doctor's lines already, each with its version or its fix.
  async doctor() {
    return [];
  },
  async create(context) {
    const backend = new LxcBackend({
      runDir: context.runDir,
      runId: context.runId,
      ...(context.ioDevices ? { ioDevices: context.ioDevices } : {}),
    });
    return { backend, info: await backend.prepare(context.images), emulated: false };
  },
  clean: cleanLxcLeftovers,
};
