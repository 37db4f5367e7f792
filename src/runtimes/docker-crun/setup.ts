import { mkdir, readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { probeDockerEngine } from '../docker/engine-backend.js';
import { dockerDaemon } from '../docker/setup.js';
import { commandPath } from '../host-packages.js';
import type { RuntimeSetup, SetupContext } from '../runtime.js';

/**
 * crun refuses a hybrid layout whose unified (v2) hierarchy holds a controller ("cgroups in hybrid mode not
 * supported, drop all controllers from cgroupv2"); runc does not mind. Such a controller that no v2 group uses
 * (here hugetlb) is mounted as a v1 hierarchy of its own, which takes it off the unified one.
 */
export async function mountHybridControllersForCrun(
  context: SetupContext,
  unified = '/sys/fs/cgroup/unified',
): Promise<void> {
  const controllers = (await readFile(`${unified}/cgroup.controllers`, 'utf8').catch(() => '')).trim();
  const used = (await readFile(`${unified}/cgroup.subtree_control`, 'utf8').catch(() => '')).trim();
  if (!controllers || used) return;
  for (const controller of controllers.split(/\s+/)) {
    context.say(
      `hybrid cgroups: mounting ${controller} as a v1 hierarchy at /sys/fs/cgroup/${controller} (crun accepts hybrid hosts only with no controller on cgroup v2)`,
    );
    await mkdir(`/sys/fs/cgroup/${controller}`, { recursive: true });
    const mounted = await execa('mount', ['-t', 'cgroup', '-o', controller, 'cgroup', `/sys/fs/cgroup/${controller}`], {
      reject: false,
    });
    if (mounted.exitCode !== 0)
      context.say(
        `warning: could not mount ${controller} as a v1 hierarchy: crun will refuse containers here (bench doctor says so)`,
      );
  }
}

/** The Docker engine, with crun among its OCI runtimes (said when an engine setup did not start lacks it). */
export const dockerCrunSetup: RuntimeSetup = {
  daemons: [dockerDaemon],
  async hostChecks(context) {
    await mountHybridControllersForCrun(context);
    const engine = await probeDockerEngine().catch(() => undefined);
    if (engine && !engine.ociRuntimes.includes('crun'))
      context.say(
        `warning: the Docker engine lists no crun runtime (it was not started by this setup): add "runtimes": {"crun": {"path": "${commandPath('crun') ?? '/usr/bin/crun'}"}} to /etc/docker/daemon.json and restart dockerd, for --runtimes docker-crun`,
      );
  },
};
