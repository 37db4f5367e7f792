import { probeDockerEngine } from './engine-backend.js';
import { problemOf } from '../../errors.js';
import {
  cleanDockerLeftovers,
  containerEngineFacts,
  createDockerRuntime,
  dockerIoRoots,
  dockerRunOpen,
} from './engine-runtime.js';
import type { RuntimeDescriptor } from '../runtime.js';
import { dockerDaemon } from './setup.js';

/** Docker containers through the engine's API (dockerode), run by runc (named per container, whatever the engine's default). */
export const docker: RuntimeDescriptor<'docker'> = {
  name: 'docker',
  label: 'Docker (runc)',
  kind: 'container',
  summary: 'Docker Engine containers from the imported rootfs, run by runc',
  density: true,
  facts: containerEngineFacts,
  foreignGuests: true,
  userImages: true,
  setup: { daemons: [dockerDaemon] },
  // The engine answering is the test (DOCKER_HOST may name one elsewhere); its packages are setup's business.
  async probe() {
    const engine = await probeDockerEngine();
    return `Docker ${engine.version}`;
  },
  async doctor() {
    try {
      const engine = await probeDockerEngine();
      const detail = `${engine.version} (API ${engine.apiVersion}, ${engine.cgroupDriver} driver, cgroup v${engine.cgroupVersion}, ${engine.storageDriver})`;
      return [{ name: 'docker engine', status: 'ok', detail, required: true }];
    } catch (error) {
      const detail = problemOf(error);
      return [
        {
          name: 'docker engine',
          status: 'missing',
          detail,
          fix: 'apt-get install docker.io, then start dockerd (scripts/setup.sh does both)',
          required: true,
        },
      ];
    }
  },
  ioRoots: dockerIoRoots,
  create: (context) => createDockerRuntime('docker', context, 'runc'),
  onRunOpen: dockerRunOpen,
  clean: cleanDockerLeftovers,
};
