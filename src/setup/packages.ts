import { execa } from 'execa';
import type { ArchName } from '../host/arch.js';
import { type HostPackage, hostPackagesAt, hostPackagesOf, onPath } from '../runtimes/host-packages.js';
import type { RuntimeDescriptor } from '../runtimes/runtime.js';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

/** One Debian package setup installs, and why (printed as setup decides it). */
export interface NeededPackage {
  readonly debianPackage: string;
  readonly why: string;
}

/** What the harness itself needs whatever the runtimes: image building and the host side of the workloads. */
function harnessPackages(guestArch: ArchName): HostPackage[] {
  return hostPackagesAt(join(packageRoot, 'src', 'host', 'host-packages'), guestArch);
}

/**
 * The packages to install: each host command of the harness and of the runtimes (for every guest architecture
 * prepared) that is not on PATH, and each runtime's command-less package that is not there; one entry a package.
 */
export async function missingPackages(
  runtimes: readonly RuntimeDescriptor[],
  guestArchs: readonly ArchName[],
): Promise<{ missing: NeededPackage[]; lines: string[] }> {
  const missing: NeededPackage[] = [];
  const lines: string[] = [];
  const seen = new Set<string>();
  const add = (debianPackage: string, why: string, line: string) => {
    lines.push(line);
    if (!missing.some((entry) => entry.debianPackage === debianPackage)) missing.push({ debianPackage, why });
  };
  for (const arch of guestArchs) {
    const needs = [
      ...runtimes.flatMap((runtime) =>
        hostPackagesOf(runtime.name, arch).map((pkg) => ({ ...pkg, why: `${pkg.why} (${runtime.name} runtime)` })),
      ),
      ...harnessPackages(arch),
    ];
    for (const pkg of needs) {
      // A command two runtimes (or two guest architectures) need is said once.
      if (seen.has(pkg.command) || onPath(pkg.command)) continue;
      seen.add(pkg.command);
      add(pkg.debianPackage, pkg.why, `missing ${pkg.command}: will install ${pkg.debianPackage} (${pkg.why})`);
    }
  }
  for (const runtime of runtimes)
    for (const pkg of runtime.setup?.packages ?? [])
      if (!(await pkg.present()))
        add(pkg.name, pkg.why, `missing ${pkg.name}: will install ${pkg.name} (${pkg.why}; ${runtime.name} runtime)`);
  return { missing, lines };
}

/** Whether apt's lists hold the guest kernel package of `arch` (what the image build downloads). */
async function listsHaveKernel(arch: ArchName): Promise<boolean> {
  const policy = await execa('apt-cache', ['policy', `linux-image-cloud-${arch}:${arch}`], { reject: false });
  return /Candidate: [0-9]/.test(String(policy.stdout));
}

/** apt-get update when a package is missing or the lists lack a guest kernel; then one apt-get install. */
export async function installPackages(
  missing: readonly NeededPackage[],
  guestArchs: readonly ArchName[],
  forceUpdate: boolean,
  say: (line: string) => void,
): Promise<void> {
  const stale =
    forceUpdate || missing.length > 0 || !(await Promise.all(guestArchs.map(listsHaveKernel))).every(Boolean);
  if (stale) {
    say('apt-get update (package lists are needed to install and to find the guest kernel)');
    await execa('apt-get', ['update', '-qq'], { stdout: process.stderr, stderr: process.stderr });
  }
  if (missing.length === 0) {
    say('host packages: all present, nothing to install');
    return;
  }
  const names = missing.map((entry) => entry.debianPackage);
  say(`apt-get install ${names.join(' ')}`);
  await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    stdout: process.stderr,
    stderr: process.stderr,
  });
}
