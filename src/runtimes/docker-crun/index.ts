import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { missingOciRuntime, probeDockerEngine } from '../docker/engine-backend.js';
import {
  cleanDockerLeftovers,
  containerEngineFacts,
  createDockerRuntime,
  dockerIoRoots,
  dockerRunOpen,
} from '../docker/engine-runtime.js';
import { MissingDependencyError } from '../../errors.js';
import type { RuntimeDescriptor } from '../runtime.js';
import { dockerCrunSetup } from './setup.js';

/**
 * crun refuses a hybrid cgroup layout whose unified (v2) hierarchy holds any controller ("cgroups in hybrid
 * mode not supported, drop all controllers from cgroupv2"); runc does not mind. Undefined where crun can run.
 */
export async function crunHybridProblem(
  runtime: string,
  unified = '/sys/fs/cgroup/unified',
): Promise<string | undefined> {
  const controllers = (await readFile(join(unified, 'cgroup.controllers'), 'utf8').catch(() => '')).trim();
  if (!controllers) return undefined;
  return `crun does not run on a hybrid cgroup host whose cgroup v2 hierarchy holds controllers (${controllers}): mount each as a v1 hierarchy (mount -t cgroup -o ${controllers.split(/\s+/)[0]} cgroup /sys/fs/cgroup/${controllers.split(/\s+/)[0]}; scripts/setup.sh --runtimes ${runtime} does it)`;
}

/** The OCI runtime this entry asks the engine for, per container (`HostConfig.Runtime`). */
const ociRuntime = 'crun';

/**
 * Docker containers exactly as the `docker` runtime starts them, but run by crun (C) instead of runc (Go):
 * `--runtimes docker,docker-crun` measures what the choice of OCI runtime changes, side by side.
 */
export const dockerCrun: RuntimeDescriptor<'docker-crun'> = {
  name: 'docker-crun',
  label: 'Docker (crun)',
  kind: 'container',
  summary:
    'Docker Engine containers run by crun instead of runc (the engine must list crun: setup.sh --runtimes docker-crun)',
  density: true,
  facts: containerEngineFacts,
  foreignGuests: true,
  setup: dockerCrunSetup,
  userImages: true,
  async probe() {
    const hybridProblem = await crunHybridProblem('docker-crun');
    if (hybridProblem) throw new MissingDependencyError(`docker-crun: ${hybridProblem}`);
    const engine = await probeDockerEngine();
    if (!engine.ociRuntimes.includes(ociRuntime))
      throw new MissingDependencyError(missingOciRuntime('docker-crun', ociRuntime, engine.ociRuntimes));
    return `Docker ${engine.version} with ${ociRuntime}`;
  },
  async doctor() {
    const hybridProblem = await crunHybridProblem('docker-crun');
    if (hybridProblem)
      return [
        {
          name: 'docker OCI runtime crun',
          status: 'warning',
          detail: hybridProblem.replace(/: mount each.*$/, ''),
          fix: 'scripts/setup.sh --runtimes docker-crun',
          required: false,
        },
      ];
    try {
      const engine = await probeDockerEngine();
      return engine.ociRuntimes.includes(ociRuntime)
        ? [
            {
              name: 'docker OCI runtime crun',
              status: 'ok',
              detail: `the engine lists ${engine.ociRuntimes.join(', ')} (default ${engine.defaultRuntime})`,
              required: false,
            },
          ]
        : [
            {
              name: 'docker OCI runtime crun',
              status: 'warning',
              detail: `the engine lists ${engine.ociRuntimes.join(', ')}, not crun`,
              fix: missingOciRuntime('docker-crun', ociRuntime, engine.ociRuntimes).replace(
                /^docker-crun: [^:]*: /,
                '',
              ),
              required: false,
            },
          ];
    } catch {
      // The docker runtime's own check says the engine is missing.
      return [];
    }
  },
  ioRoots: dockerIoRoots,
  create: (context) => createDockerRuntime('docker-crun', context, ociRuntime),
  onRunOpen: dockerRunOpen,
  clean: cleanDockerLeftovers,
};
