import {
  DockerBackend,
  dockerEngine,
  probeDockerEngine,
  removeDeadRunContainers,
  removeLabelledContainers,
  type ContainerEngine,
} from './engine-backend.js';
import type { RuntimeName } from '../../config/suite.js';
import type { FactKey } from '../../results/runtime-facts.js';
import type { CleanContext, CleanReport, CreateContext, CreatedRuntime } from '../runtime.js';

/** What reports show of a Docker-API runtime (Docker, docker-crun, Podman): the engine and how it runs containers. */
export const containerEngineFacts: readonly FactKey[] = [
  { key: 'engineVersion', name: 'engine', version: true },
  { key: 'ociRuntime', name: 'OCI runtime' },
  { key: 'cgroupDriver', name: 'cgroup driver' },
  { key: 'storageDriver', name: 'storage' },
  { key: 'image', name: 'image' },
];

/**
 * A Docker-API runtime's backend: the engine's containers (Docker's own engine unless `engine` names
 * another, Podman), with `ociRuntime` (`HostConfig.Runtime`) or the engine's default.
 */
export async function createDockerRuntime(
  name: RuntimeName,
  context: CreateContext,
  ociRuntime?: string,
  engine?: ContainerEngine,
): Promise<CreatedRuntime> {
  const foreign = context.guestArch !== context.hostArch;
  const backend = new DockerBackend({
    name,
    ...(ociRuntime ? { ociRuntime } : {}),
    ...(engine ? { engine } : {}),
    platform: context.profile.dockerPlatform,
    foreign,
    network: context.containerNetwork,
    ...(context.ioDevices ? { ioDevices: context.ioDevices } : {}),
  });
  return { backend, info: await backend.prepare(context.images, context.signal), emulated: foreign };
}

/** The engine's root folder: where a container's overlay writes land. */
export async function dockerIoRoots(engine: ContainerEngine = dockerEngine()): Promise<string[]> {
  const root = (await probeDockerEngine(engine).catch(() => undefined))?.rootDir;
  return root ? [root] : [];
}

/** Last sweep of a run: a container whose own removal failed (engine restarting) still goes, by label. */
export function dockerRunOpen(
  runId: string,
  register: (what: string, action: () => Promise<void>) => void,
  engine: ContainerEngine = dockerEngine(),
): void {
  register(
    `${engine.label} containers labelled with run ${runId}`,
    async () => void (await removeLabelledContainers(runId, engine.client)),
  );
}

/** Containers of runs that are not alive (and the imported images with `--images`). */
export async function cleanDockerLeftovers(
  context: CleanContext,
  engine: ContainerEngine = dockerEngine(),
): Promise<CleanReport> {
  try {
    return {
      removed: (await removeDeadRunContainers(context.liveRunIds, context.images, engine.client)).map(
        (what) => `${engine.label} ${what}`,
      ),
      problems: [],
    };
  } catch (error) {
    return {
      removed: [],
      problems: [`${engine.label.toLowerCase()}: ${(error as Error).message}; containers not checked`],
    };
  }
}
