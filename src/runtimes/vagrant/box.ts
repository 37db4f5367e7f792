import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageBuildError, describeError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import { ensurePackage, tempDir, type BuildOptions } from '../../images/build.js';
import { resolveDebPackage } from '../../images/deb-package.js';
import { digestStrings, digestTree } from '../../images/digest.js';
import { makeExt4, rootDiskBytes, treeBytes } from '../../images/disk.js';
import type { ImageSet } from '../../images/image-set.js';
import { runStep } from '../../images/run-step.js';

/** The Vagrant layer's files (guest side) and the Vagrantfile template. */
export const vagrantDir = join(packageRoot, 'vagrant');

/** Vagrant's well-known insecure public key, as the Debian vagrant package ships it. */
const insecureKeyCandidates = [
  '/usr/share/rubygems-integration/all/gems/vagrant-2.3.4/keys/vagrant.pub',
  '/usr/share/vagrant/keys/vagrant.pub',
];

/** Packages of the layer: an SSH server Vagrant can log in to, its libraries, and sudo (Vagrant runs some commands through it). */
const layerPackages: readonly string[] = ['dropbear-bin', 'libtomcrypt1', 'libtommath1', 'sudo'];

/** A Vagrant box built from the shared rootfs plus the Vagrant layer. */
export interface VagrantBox {
  /** Name for `vagrant box add`, carrying the rootfs digest and the layer's. */
  readonly name: string;
  readonly file: string;
}

/** `metadata.json` of a libvirt box; `virtual_size` is in GiB and must hold the disk. */
export function boxMetadata(diskBytes: number): { provider: 'libvirt'; format: 'qcow2'; virtual_size: number } {
  return { provider: 'libvirt', format: 'qcow2', virtual_size: Math.ceil(diskBytes / 1024 ** 3) };
}

/** The lines the layer adds to passwd, shadow and group: a `vagrant` user (uid 1000) that logs in by key only. */
export function vagrantUserLines(): { passwd: string; shadow: string; group: string } {
  return {
    passwd: 'vagrant:x:1000:1000:vagrant:/home/vagrant:/bin/sh\n',
    // `*`: no password can match, but the account is not locked (dropbear refuses locked ones even with a key).
    shadow: 'vagrant:*:19000:0:99999:7:::\n',
    group: 'vagrant:x:1000:\n',
  };
}

async function insecureKey(): Promise<string> {
  for (const path of insecureKeyCandidates) if (existsSync(path)) return readFile(path, 'utf8');
  throw new Error(
    `Vagrant's insecure public key not found (looked in ${insecureKeyCandidates.join(', ')}): install vagrant`,
  );
}

/**
 * Build (or find in the cache) the box: the shared rootfs tar unpacked, plus a layer only this box
 * has — /twinbench-layer (DHCP, dropbear, the go signal), dropbear from Debian, a `vagrant` user with
 * the insecure key — as a qcow2 root disk with libvirt box metadata.
 */
export async function ensureVagrantBox(images: ImageSet, options: BuildOptions): Promise<VagrantBox> {
  try {
    return await buildBox(images, options);
  } catch (error) {
    if (error instanceof ImageBuildError || options.signal?.aborted) throw error;
    throw new ImageBuildError(`Vagrant box: ${describeError(error)}`, { cause: error });
  }
}

async function buildBox(images: ImageSet, options: BuildOptions): Promise<VagrantBox> {
  const packages = await Promise.all(layerPackages.map((name) => resolveDebPackage(name, images.arch)));
  const key = insecureKeyCandidates.find((path) => existsSync(path)) ? await insecureKey() : '';
  const layerDigest = digestStrings([
    images.rootfsDigest,
    await digestTree(join(vagrantDir, 'layer')),
    key,
    ...packages.map((p) => `${p.name}=${p.version}`),
  ]).slice(0, 12);
  const name = `twinbench-${images.arch}-${layerDigest}`;
  const file = join(images.dir, `vagrant-${layerDigest}.box`);
  if (existsSync(file)) return { name, file };

  options.log(`building Vagrant box ${name}: rootfs + Vagrant layer (dropbear, vagrant user, DHCP)`);
  const temp = await tempDir(images.dir, 'vagrant-box');
  try {
    const tree = join(temp.path, 'rootfs');
    await mkdir(tree);
    await runStep('unpack rootfs for the box', 'tar', ['--numeric-owner', '-xf', images.rootfsTar, '-C', tree], {
      cancelSignal: options.signal,
    });
    // tar, not cp: the rootfs has merged /usr (/lib → usr/lib) and the packages ship /lib paths.
    for (const pkg of packages) {
      const root = await ensurePackage(pkg, options);
      await runStep(`add ${pkg.name} to the box`, 'sh', [
        '-c',
        'tar -C "$1" -cf - . | tar -C "$2" -xf - --keep-directory-symlink',
        'twinbench-merge',
        root,
        tree,
      ]);
    }
    await cp(join(vagrantDir, 'layer'), join(tree, 'twinbench-layer'), { recursive: true });
    await mkdir(join(tree, 'etc', 'dropbear'), { recursive: true });
    // Vagrant's convention: the vagrant user may sudo without a password.
    await writeFile(join(tree, 'etc', 'sudoers.d', 'vagrant'), 'vagrant ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
    await chmod(join(tree, 'usr', 'bin', 'sudo'), 0o4755);
    const user = vagrantUserLines();
    await appendFile(join(tree, 'etc', 'passwd'), user.passwd);
    await appendFile(join(tree, 'etc', 'shadow'), user.shadow);
    await appendFile(join(tree, 'etc', 'group'), user.group);
    const ssh = join(tree, 'home', 'vagrant', '.ssh');
    await mkdir(ssh, { recursive: true });
    await writeFile(join(ssh, 'authorized_keys'), await insecureKey());
    await chmod(ssh, 0o700);
    await chmod(join(ssh, 'authorized_keys'), 0o600);
    for (const path of [join(tree, 'home', 'vagrant'), ssh, join(ssh, 'authorized_keys')])
      await chown(path, 1000, 1000);

    const disk = join(temp.path, 'disk.ext4');
    const diskBytes = rootDiskBytes(await treeBytes(tree));
    await makeExt4(tree, disk, diskBytes, options.signal);
    await rm(tree, { recursive: true, force: true });
    const boxDir = join(temp.path, 'box');
    await mkdir(boxDir);
    await runStep('qemu-img convert box.img', 'qemu-img', ['convert', '-O', 'qcow2', disk, join(boxDir, 'box.img')], {
      cancelSignal: options.signal,
    });
    await rm(disk);
    await writeFile(join(boxDir, 'metadata.json'), `${JSON.stringify(boxMetadata(diskBytes))}\n`);
    await writeFile(
      join(boxDir, 'Vagrantfile'),
      '# twinbench box: every setting comes from the per-trial Vagrantfile (vagrant/Vagrantfile.template).\n',
    );
    await runStep(
      'tar box',
      'tar',
      ['-cf', join(temp.path, 'out.box'), '-C', boxDir, 'metadata.json', 'Vagrantfile', 'box.img'],
      { cancelSignal: options.signal },
    );
    await rename(join(temp.path, 'out.box'), file);
  } finally {
    await temp.release();
  }
  return { name, file };
}
