import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import type { ArchName } from '../host/arch.js';
import { onPath } from '../runtimes/host-packages.js';
import type { NeededPackage } from './packages.js';

/** qemu-user's binfmt_misc entry and static binary for guests of `arch`. */
const qemuUser: Record<ArchName, string> = { amd64: 'qemu-x86_64', arm64: 'qemu-aarch64' };

/**
 * A foreign guest architecture (emulated): containers and debootstrap run its binaries under qemu-user through
 * binfmt_misc, and dpkg downloads its kernel and busybox. What to install for it, and whether dpkg had to learn it
 * (then apt's lists must be updated).
 */
export async function foreignNeeds(
  arch: ArchName,
  say: (line: string) => void,
): Promise<{ missing: NeededPackage[]; addedArchitecture: boolean }> {
  const missing: NeededPackage[] = [];
  for (const [command, debianPackage, why] of [
    [`${qemuUser[arch]}-static`, 'qemu-user-static', `running ${arch} binaries (debootstrap, Docker)`],
    ['update-binfmts', 'binfmt-support', 'registering qemu-user with binfmt_misc'],
  ] as const) {
    if (onPath(command)) continue;
    say(`missing ${command}: will install ${debianPackage} (${why})`);
    missing.push({ debianPackage, why });
  }
  const known = String((await execa('dpkg', ['--print-foreign-architectures'])).stdout).split('\n');
  if (known.includes(arch)) return { missing, addedArchitecture: false };
  say(`dpkg --add-architecture ${arch} (to download the ${arch} kernel and busybox-static)`);
  await execa('dpkg', ['--add-architecture', arch]);
  return { missing, addedArchitecture: true };
}

/** binfmt_misc mounted (no systemd mounts it here) and qemu-user's entry for `arch` enabled. */
export async function enableBinfmt(arch: ArchName, say: (line: string) => void): Promise<void> {
  const root = '/proc/sys/fs/binfmt_misc';
  if (!existsSync(`${root}/status`)) {
    say('mounting binfmt_misc (no systemd here to do it)');
    await execa('mount', ['binfmt_misc', '-t', 'binfmt_misc', root]);
  }
  const entry = `${root}/${qemuUser[arch]}`;
  const enabled = existsSync(entry) && readFileSync(entry, 'utf8').startsWith('enabled');
  if (enabled) return;
  say(`update-binfmts --enable ${qemuUser[arch]}`);
  await execa('update-binfmts', ['--enable', qemuUser[arch]], { stdout: process.stderr, stderr: process.stderr });
}
