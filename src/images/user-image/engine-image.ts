import { execa } from 'execa';
import { MissingDependencyError, UsageError } from '../../errors.js';

/** The image ID (`sha256:…`) and architecture of a reference in the local Docker engine; a clear error when there is none. */
export async function inspectEngineImage(
  ref: string,
  signal?: AbortSignal,
): Promise<{ id: string; os: string; architecture: string }> {
  const run = await execa('docker', ['image', 'inspect', '--format', '{{.Id}} {{.Os}} {{.Architecture}}', ref], {
    reject: false,
    cancelSignal: signal,
  });
  if (run.exitCode === 0) {
    const [id = '', os = '', architecture = ''] = String(run.stdout).trim().split(' ');
    return { id, os, architecture };
  }
  const why = String(run.stderr).trim().split('\n').at(-1) ?? '';
  if (run.code === 'ENOENT')
    throw new MissingDependencyError(
      `--image ${ref}: no such file, and there is no docker CLI to look in a Docker engine`,
    );
  if (/no such image|not found/i.test(why))
    throw new UsageError(`--image ${ref}: no such file, and no such image in the local Docker engine`);
  throw new MissingDependencyError(`--image ${ref}: no such file, and the Docker engine could not be asked (${why})`);
}

/** `docker save` an engine image into an archive file (the docker-save format read by archive.ts). */
export async function saveEngineImage(ref: string, output: string, signal?: AbortSignal): Promise<void> {
  const run = await execa('docker', ['image', 'save', '-o', output, ref], { reject: false, cancelSignal: signal });
  if (run.exitCode !== 0)
    throw new MissingDependencyError(
      `--image ${ref}: docker image save failed: ${String(run.stderr).trim().split('\n').at(-1) ?? ''}`,
    );
}
