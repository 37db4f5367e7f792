import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { MissingDependencyError } from '../errors.js';
import type { ArchName } from '../host/arch.js';
import { packageRoot } from '../paths.js';

/** One host command a runtime needs, and the Debian package that brings it. */
export interface HostPackage {
  readonly command: string;
  readonly debianPackage: string;
  readonly why: string;
}

/**
 * Parse a runtime's `host-packages` file: one `<arch|any> <command> <package> <why…>` per line, `#`
 * comments; `arch` is the guest architecture the line is for (a VM monitor differs per guest). The same
 * file is what `bench setup` installs from, so the list is written once.
 */
export function parseHostPackages(text: string, guestArch: ArchName, source: string): HostPackage[] {
  const packages: HostPackage[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [arch, command, debianPackage, ...why] = line.split(/\s+/);
    if (!arch || !command || !debianPackage || why.length === 0)
      throw new Error(`${source} line ${index + 1}: expected "<arch|any> <command> <package> <why>"`);
    if (arch === 'any' || arch === guestArch) packages.push({ command, debianPackage, why: why.join(' ') });
  }
  return packages;
}

/** The host commands a `host-packages` file lists for guests of `guestArch`; none when there is no such file. */
export function hostPackagesAt(path: string, guestArch: ArchName): HostPackage[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseHostPackages(text, guestArch, path);
}

/** Runtime `name`'s `host-packages` file. */
function runtimePackagesFile(name: string): string {
  return join(packageRoot, 'src', 'runtimes', name, 'host-packages');
}

/** The host commands runtime `name` needs for guests of `guestArch` (from `src/runtimes/<name>/host-packages`). */
export function hostPackagesOf(name: string, guestArch: ArchName): HostPackage[] {
  return hostPackagesAt(runtimePackagesFile(name), guestArch);
}

/** Whether `bench setup` prepares runtime `name` on every host, named or not (`#setup: default` in its file). */
export function setUpByDefault(name: string): boolean {
  try {
    return /^#setup: default\b/m.test(readFileSync(runtimePackagesFile(name), 'utf8'));
  } catch {
    return false;
  }
}

/** Whether `path` is a file this process may execute. */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `command` is on PATH, or undefined. */
export function commandPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  return path
    .split(delimiter)
    .map((dir) => join(dir, command))
    .find(executable);
}

/** Whether `command` is an executable on PATH (or, given as an absolute path, there). */
export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return isAbsolute(command) ? executable(command) : commandPath(command, path) !== undefined;
}

/** The runtime's host commands are all there; else a MissingDependencyError naming the runtime and the packages. */
export function requireHostPackages(name: string, guestArch: ArchName): string {
  const missing = hostPackagesOf(name, guestArch).filter((pkg) => !onPath(pkg.command));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((pkg) => pkg.debianPackage))].join(' ');
    throw new MissingDependencyError(
      `${name}: ${missing.map((pkg) => pkg.command).join(', ')} not found: install ${packages} (scripts/setup.sh --runtimes ${name})`,
    );
  }
  return 'host commands present';
}
