import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ArchName } from '../host/arch.js';
import { hostAptMirror } from '../host/apt-mirror.js';
import { ensureImages } from './build.js';
import { digestFile } from './digest.js';
import type { ImageSet } from './image-set.js';
import { cacheDir } from '../paths.js';

/** Image flags shared by `bench all` and `bench images build`. */
export interface ImageFlags {
  kernel?: string;
  initrd?: string;
  mirror?: string;
  rebuild?: boolean;
}

/** Add each problem of the image flags to `problems` (a run collects its flags' problems into one error). */
export function checkImageFlags(flags: ImageFlags, problems: string[]): void {
  for (const flag of ['kernel', 'initrd'] as const) {
    const path = flags[flag];
    if (path !== undefined && !existsSync(path)) problems.push(`--${flag} ${JSON.stringify(path)}: no such file`);
  }
  if (flags.mirror !== undefined && !/^https?:\/\/\S+$/.test(flags.mirror))
    problems.push(`--mirror must be an http(s) URL, got ${JSON.stringify(flags.mirror)}`);
}

/** Check image flags before anything touches the host; every problem in one UsageError. */
function validateImageFlags(flags: ImageFlags): void {
  const problems: string[] = [];
  checkImageFlags(flags, problems);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
}

/** Build or reuse the image set, then apply a user kernel/initrd override (recorded with its digest). */
export async function buildImageSet(
  flags: ImageFlags,
  arch: ArchName,
  io: { log: (line: string) => void; signal: AbortSignal },
): Promise<ImageSet> {
  validateImageFlags(flags);
  const started = performance.now();
  const images = await ensureImages({
    arch,
    cacheRoot: cacheDir(),
    mirror: flags.mirror ?? (await hostAptMirror()),
    force: flags.rebuild ?? false,
    log: (line) => io.log(`images: ${line}`),
    signal: io.signal,
  });
  io.log(`images: ${images.dockerTag} + ${images.diskPath} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (!flags.kernel && !flags.initrd) return images;
  const kernelPath = flags.kernel ? resolve(flags.kernel) : images.kernelPath;
  return {
    ...images,
    kernelPath,
    initrdPath: flags.initrd ? resolve(flags.initrd) : images.initrdPath,
    initrd: flags.initrd ? { source: 'user', sha256: await digestFile(resolve(flags.initrd)) } : { source: 'built' },
    kernel: flags.kernel
      ? { source: 'user', name: kernelPath, version: 'user-supplied', sha256: await digestFile(kernelPath) }
      : images.kernel,
  };
}
