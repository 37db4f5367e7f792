import { DockerBackend, probeDockerEngine, removeDeadRunContainers, removeLabelledContainers } from '../../backends/docker.js';
import type { RuntimeName } from '../../config/suite.js';
import type { CleanContext, CleanReport, CreateContext, CreatedRuntime, RuntimeDescriptor } from '../runtime.js';

/** A Docker runtime's backend: the engine's containers, with `ociRuntime` (`HostConfig.Runtime`) or its default. */
export async function createDockerRuntime(name: RuntimeName, context: CreateContext, ociRuntime?: string): Promise<CreatedRuntime> {
  const foreign = context.guestArch !== context.hostArch;
  const backend = new DockerBackend({
    name,
    ...(ociRuntime ? { ociRuntime } : {}),
    platform: context.profile.dockerPlatform,
    foreign,
    network: context.containerNetwork,
    ...(context.ioDevices ? { ioDevices: context.ioDevices } : {}),
  });
  return { backend, info: await backend.prepare(context.images, context.signal), emulated: foreign };
}

/** Docker's root folder: where a container's overlay writes land. */
export async function dockerIoRoots(): Promise<string[]> {
  const root = (await probeDockerEngine().catch(() => undefined))?.rootDir;
  return root ? [root] : [];
}

/** Last sweep of a run: a container whose own removal failed (engine restarting) still goes, by label. */
export const dockerRunOpen: NonNullable<RuntimeDescriptor['onRunOpen']> = (runId, register) => {
  register(`containers labelled with run ${runId}`, async () => void (await removeLabelledContainers(runId)));
};

/** Containers of runs that are not alive (and the imported images with `--images`). */
export async function cleanDockerLeftovers(context: CleanContext): Promise<CleanReport> {
  try {
    return { removed: await removeDeadRunContainers(context.liveRunIds, context.images), problems: [] };
  } catch (error) {
    return { removed: [], problems: [`docker: ${(error as Error).message}; containers not checked`] };
  }
}
