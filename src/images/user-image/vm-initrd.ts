import { chmod, copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ArchName } from '../../host/arch.js';
import { packageRoot } from '../../paths.js';
import { runStep } from '../run-step.js';
import { launchScript, type ImageLaunch } from './launch.js';

/** The init of an image VM's initramfs (replaces the agent's init in the appended archive). */
export const imageInitScript = join(packageRoot, 'src', 'images', 'image-init.sh');

/** util-linux's unshare and what it links, as members of the shared rootfs tar (usrmerge layout). */
const unshareFiles: Readonly<Record<ArchName, { loader: string; libc: string }>> = {
  amd64: { loader: './usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', libc: './usr/lib/x86_64-linux-gnu/libc.so.6' },
  arm64: { loader: './usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1', libc: './usr/lib/aarch64-linux-gnu/libc.so.6' },
};

/**
 * The image's initramfs: the shared one (busybox, virtio modules) with a second gzip'd cpio appended
 * (the kernel unpacks both, the later files replacing the earlier): image-init.sh as /init, the image's
 * /launch.sh, and unshare with its loader and libc from the shared Debian rootfs, under /tb.
 */
export async function buildImageInitrd(options: {
  baseInitrd: string;
  rootfsTar: string;
  arch: ArchName;
  launch: ImageLaunch;
  workDir: string;
  output: string;
}): Promise<void> {
  const tree = join(options.workDir, 'initrd-extra');
  const unpacked = join(options.workDir, 'initrd-from-rootfs');
  await mkdir(join(tree, 'tb', 'lib'), { recursive: true });
  await mkdir(unpacked, { recursive: true });
  const files = unshareFiles[options.arch];
  await runStep('unshare for the image initramfs', 'tar', [
    '-xf',
    options.rootfsTar,
    '-C',
    unpacked,
    './usr/bin/unshare',
    files.loader,
    files.libc,
  ]);
  await copyFile(join(unpacked, 'usr/bin/unshare'), join(tree, 'tb', 'unshare'));
  await copyFile(join(unpacked, files.loader), join(tree, 'tb', 'ld.so'));
  await copyFile(join(unpacked, files.libc), join(tree, 'tb', 'lib', 'libc.so.6'));
  await copyFile(imageInitScript, join(tree, 'init'));
  await writeFile(join(tree, 'launch.sh'), launchScript(options.launch));
  for (const file of ['init', 'tb/unshare', 'tb/ld.so']) await chmod(join(tree, file), 0o755);
  const entries = await readdir(tree, { recursive: true, withFileTypes: true });
  const list = ['.', ...entries.map((entry) => `./${relative(tree, join(entry.parentPath, entry.name))}`)].sort();
  const cpio = join(options.workDir, 'initrd-extra.cpio');
  await runStep('cpio image initramfs', 'cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0', '-F', cpio], {
    cwd: tree,
    input: `${list.join('\n')}\n`,
  });
  const joined = Buffer.concat([await readFile(options.baseInitrd), gzipSync(await readFile(cpio), { level: 6 })]);
  await writeFile(`${options.output}.part`, joined);
  await rename(`${options.output}.part`, options.output);
}
