import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository / package root (holds workloads/, schema/, src/images/initramfs-init.sh). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folder of workload definitions and the guest agent. */
export const workloadsDir = join(packageRoot, 'workloads');

/** Cache folder: `$TWINBENCH_CACHE`, else `$XDG_CACHE_HOME/twinbench`, else `~/.cache/twinbench`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TWINBENCH_CACHE) return resolve(env.TWINBENCH_CACHE);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'twinbench');
}

/** Where runs record what they started, so `bench clean` can find leftovers of a killed run. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'state');
}
