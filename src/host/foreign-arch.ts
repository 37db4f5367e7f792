import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { ArchProfile } from './arch.js';

/** What running a foreign-architecture guest needs on this host, and whether it is there. */
export interface ForeignArchStatus {
  /** binfmt_misc handler for the guest's binaries (qemu-user-static), needed by debootstrap and Docker. */
  binfmt: 'enabled' | 'disabled' | 'missing';
  /** Whether dpkg knows the architecture (needed to `apt-get download` its kernel and busybox). */
  dpkgArchitecture: boolean;
  /** One line per missing piece, saying how to fix it. */
  problems: string[];
}

/** Name of the binfmt_misc entry for a guest architecture. */
function binfmtName(profile: ArchProfile): string {
  return `qemu-${profile.unameMachine}`;
}

/** Check binfmt_misc and dpkg for a foreign guest architecture. */
export async function probeForeignArch(profile: ArchProfile): Promise<ForeignArchStatus> {
  const entry = await readFile(`/proc/sys/fs/binfmt_misc/${binfmtName(profile)}`, 'utf8').catch(() => undefined);
  const binfmt = entry === undefined ? 'missing' : /^enabled/m.test(entry) ? 'enabled' : 'disabled';
  const foreign = await execa('dpkg', ['--print-foreign-architectures'], { reject: false });
  const dpkgArchitecture = String(foreign.stdout).split('\n').includes(profile.debianArch);
  const problems: string[] = [];
  const fix = `run scripts/setup.sh --arch ${profile.debianArch}`;
  if (binfmt !== 'enabled')
    problems.push(
      `binfmt_misc handler ${binfmtName(profile)} is ${binfmt}: install qemu-user-static and binfmt-support (${fix})`,
    );
  if (!dpkgArchitecture)
    problems.push(
      `dpkg does not know ${profile.debianArch}: dpkg --add-architecture ${profile.debianArch} && apt-get update (${fix})`,
    );
  return { binfmt, dpkgArchitecture, problems };
}
