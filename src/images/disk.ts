import { runStep } from './run-step.js';

/** Size of the VM root disk: the tree plus half again (the guest writes logs, tmp files), at least 1 GiB. */
export function rootDiskBytes(treeBytes: number): number {
  const mib = 1024 * 1024;
  const wanted = Math.max(1024 * mib, Math.ceil((treeBytes * 1.5) / mib) * mib);
  return wanted;
}

/** Size in bytes of a folder tree as `du` counts it (apparent sizes). */
export async function treeBytes(tree: string): Promise<number> {
  const out = await runStep('du rootfs', 'du', ['-s', '-b', tree]);
  return Number.parseInt(out.split(/\s/)[0] ?? '0', 10);
}

/** Make an ext4 image filled from a folder with `mke2fs -d`: no loop mount, no root-only mount. */
export async function makeExt4(tree: string, output: string, bytes: number, signal?: AbortSignal): Promise<void> {
  await runStep(
    'mke2fs root disk',
    'mke2fs',
    ['-q', '-F', '-t', 'ext4', '-L', 'twinbench-root', '-d', tree, output, `${Math.floor(bytes / 1024)}k`],
    { cancelSignal: signal },
  );
}

/** Make a tar of the tree for `docker import`: sorted, numeric owners, so the digest is the content's. */
export async function makeTar(tree: string, output: string, signal?: AbortSignal): Promise<void> {
  await runStep('tar rootfs', 'tar', ['--sort=name', '--numeric-owner', '--xattrs', '-C', tree, '-cf', output, '.'], {
    cancelSignal: signal,
  });
}
