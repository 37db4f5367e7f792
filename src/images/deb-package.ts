import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageBuildError } from '../errors.js';
import { runStep } from './run-step.js';

/** Name and version of a Debian package as apt resolves it for an architecture. */
export interface DebPackage {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
}

/** Parse `apt-cache show --no-all-versions` output into the package's version. */
export function parseAptCacheVersion(text: string): string | undefined {
  return /^Version:\s*(\S+)/m.exec(text)?.[1];
}

/** Parse `apt-cache depends` output into the first dependency starting with a prefix. */
export function parseFirstDependency(text: string, prefix: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = /^\s*Depends:\s*(\S+)/.exec(line);
    if (match?.[1]?.startsWith(prefix)) return match[1].replace(/:\w+$/, '');
  }
  return undefined;
}

/** Resolve a package's version from the host's apt lists (no download). */
export async function resolveDebPackage(name: string, arch: string): Promise<DebPackage> {
  const shown = await runStep(`apt-cache show ${name}:${arch}`, 'apt-cache', [
    'show',
    '--no-all-versions',
    `${name}:${arch}`,
  ]);
  const version = parseAptCacheVersion(shown);
  if (!version) throw new ImageBuildError(`apt knows no version of ${name}:${arch} (run apt-get update)`);
  return { name, version, arch };
}

/** Resolve the real kernel image package behind a meta-package such as linux-image-cloud-amd64. */
export async function resolveKernelPackage(metaPackage: string, arch: string): Promise<DebPackage> {
  const depends = await runStep(`apt-cache depends ${metaPackage}`, 'apt-cache', ['depends', `${metaPackage}:${arch}`]);
  const name = parseFirstDependency(depends, 'linux-image-');
  if (!name) throw new ImageBuildError(`cannot find the kernel image package behind ${metaPackage}:${arch}`);
  return resolveDebPackage(name, arch);
}

/** `apt-get download` one package into `dir` and unpack it with `dpkg -x` into `dir/root`. */
export async function downloadAndExtract(pkg: DebPackage, dir: string, signal?: AbortSignal): Promise<string> {
  await mkdir(dir, { recursive: true });
  await runStep(`apt-get download ${pkg.name}`, 'apt-get', ['download', `${pkg.name}:${pkg.arch}=${pkg.version}`], {
    cwd: dir,
    cancelSignal: signal,
  });
  const deb = (await readdir(dir)).find((file) => file.endsWith('.deb') && file.startsWith(`${pkg.name}_`));
  if (!deb) throw new ImageBuildError(`apt-get download ${pkg.name} produced no .deb in ${dir}`);
  const root = join(dir, 'root');
  await runStep(`dpkg -x ${deb}`, 'dpkg', ['-x', join(dir, deb), root], { cancelSignal: signal });
  return root;
}
