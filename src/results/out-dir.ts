import { accessSync, constants, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutputError, UsageError } from '../errors.js';

/** Kernel pseudo file systems by their statfs magic: nothing a result can be written to (mkdir under /proc never ends). */
const pseudoFileSystems: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'],
  [0x1cd1, 'devpts'],
]);

/**
 * Check `--out` before anything runs: its nearest existing folder must be a folder on a real file system that we
 * may write to. A pseudo file system is bad input (exit 2); an unwritable place is an output error (exit 6).
 */
export function checkOutDir(outDir: string): void {
  let existing = outDir;
  for (;;) {
    try {
      statSync(existing);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  const type = statfsSync(existing).type;
  const pseudo = pseudoFileSystems.get(Number(type));
  if (pseudo)
    throw new UsageError(
      `--out ${outDir}: ${existing} is on the kernel's ${pseudo} pseudo file system; results cannot be written there`,
    );
  if (!statSync(existing).isDirectory()) throw new UsageError(`--out ${outDir}: ${existing} is a file, not a folder`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new OutputError(
      `--out ${outDir}: cannot write in ${existing} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { cause: error },
    );
  }
}
