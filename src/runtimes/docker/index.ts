import { DockerBackend, probeDockerEngine, removeDeadRunContainers, removeLabelledContainers } from '../../backends/docker.js';
import type { RuntimeDescriptor } from '../runtime.js';

/** Docker containers through the engine's API (dockerode), with the engine's default OCI runtime (runc). */
export const docker: RuntimeDescriptor<'docker'> = {
  name: 'docker',
  label: 'Docker (runc)',
  kind: 'container',
  summary: 'Docker Engine containers from the imported rootfs, the engine\'s default OCI runtime',
  density: true,
  foreignGuests: true,
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
      const detail = (error as Error).message.replace(/ \(run `bench doctor`.*$/, '');
      return [{ name: 'docker engine', status: 'missing', detail, fix: 'apt-get install docker.io, then start dockerd (scripts/setup.sh does both)', required: true }];
    }
  },
  async ioRoots() {
    const root = (await probeDockerEngine().catch(() => undefined))?.rootDir;
    return root ? [root] : [];
  },
  async create(context) {
    const foreign = context.guestArch !== context.hostArch;
    const settings = { platform: context.profile.dockerPlatform, foreign, network: context.containerNetwork, ...(context.ioDevices ? { ioDevices: context.ioDevices } : {}) };
    const backend = new DockerBackend(settings);
    return { backend, info: await backend.prepare(context.images, context.signal), emulated: foreign };
  },
  onRunOpen(runId, register) {
    // Last sweep: a container whose own removal failed (engine restarting) still goes, by label.
    register(`containers labelled with run ${runId}`, async () => void (await removeLabelledContainers(runId)));
  },
  async clean(context) {
    try {
      return { removed: await removeDeadRunContainers(context.liveRunIds, context.images), problems: [] };
    } catch (error) {
      return { removed: [], problems: [`docker: ${(error as Error).message}; containers not checked`] };
    }
  },
};
