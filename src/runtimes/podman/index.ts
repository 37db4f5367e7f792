import { existsSync } from 'node:fs';
import { probeDockerEngine } from '../docker/engine-backend.js';
import { MissingDependencyError, problemOf } from '../../errors.js';
import { crunHybridProblem } from '../docker-crun/index.js';
import {
  cleanDockerLeftovers,
  containerEngineFacts,
  createDockerRuntime,
  dockerIoRoots,
  dockerRunOpen,
} from '../docker/engine-runtime.js';
import { requireHostPackages } from '../host-packages.js';
import type { RuntimeDescriptor } from '../runtime.js';
import { podmanEngine, podmanSocket } from './engine.js';
import { podmanSetup } from './setup.js';

/** The OCI runtime asked for per container: Podman's own default on Debian and Fedora. */
const ociRuntime = 'crun';

/**
 * Rootful Podman containers, driven through its Docker-compatible API by the same backend as Docker:
 * the same image (imported into Podman's store), the same envelope on the trial's cgroup, the same sampler.
 * What differs is the engine: no daemon in the container's path, conmon instead of containerd's shim.
 */
export const podman: RuntimeDescriptor<'podman'> = {
  name: 'podman',
  label: 'Podman (crun)',
  kind: 'container',
  summary:
    "Podman containers (rootful, crun) through Podman's Docker-compatible service (setup.sh --runtimes podman starts it)",
  density: true,
  facts: containerEngineFacts,
  foreignGuests: false,
  userImages: true,
  setup: podmanSetup,
  async probe(host) {
    requireHostPackages('podman', host.guestArch);
    const hybridProblem = await crunHybridProblem('podman');
    if (hybridProblem) throw new MissingDependencyError(`podman: ${hybridProblem}`);
    const engine = podmanEngine();
    const info = await probeDockerEngine(engine).catch((error: unknown) => {
      throw new MissingDependencyError(
        `podman: ${problemOf(error)} (scripts/setup.sh --runtimes podman starts the service)`,
      );
    });
    return `Podman ${info.version} with ${ociRuntime}`;
  },
  async doctor(host) {
    const engine = podmanEngine();
    try {
      requireHostPackages('podman', host.guestArch);
      const info = await probeDockerEngine(engine);
      const hybridProblem = await crunHybridProblem('podman');
      if (hybridProblem)
        return [
          {
            name: 'podman service',
            status: 'warning',
            detail: hybridProblem.replace(/: mount each.*$/, ''),
            fix: 'scripts/setup.sh --runtimes podman',
            required: false,
          },
        ];
      return [
        {
          name: 'podman service',
          status: 'ok',
          detail: `${info.version} at ${engine.address} (${info.cgroupDriver} cgroup manager, cgroup v${info.cgroupVersion}, ${info.storageDriver})`,
          required: false,
        },
      ];
    } catch (error) {
      return [
        {
          name: 'podman service',
          status: 'warning',
          detail: problemOf(error),
          fix: 'scripts/setup.sh --runtimes podman',
          required: false,
        },
      ];
    }
  },
  ioRoots: () => dockerIoRoots(podmanEngine()),
  create: (context) => createDockerRuntime('podman', context, ociRuntime, podmanEngine()),
  onRunOpen: (runId, register) => dockerRunOpen(runId, register, podmanEngine()),
  // A host without Podman's socket has no Podman containers to remove (not a problem for `bench clean`).
  clean: async (context) =>
    existsSync(podmanSocket()) ? cleanDockerLeftovers(context, podmanEngine()) : { removed: [], problems: [] },
};
