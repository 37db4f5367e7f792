/**
 * The lab host, as a test fixture: a Debian 12 VM booted by QEMU with systemd as init, the unified
 * cgroup v2 hierarchy, Debian's docker.io as a systemd service (systemd cgroup driver), a current Node.js
 * LTS, and twinbench installed from its packed npm tarball. Built from Debian packages like the guest
 * rootfs and cached by digest; a second disk carries twinbench, the prebuilt images and the script the
 * host runs at boot, and brings the results back (read with debugfs: no loop mount). Nothing outlives it.
 */
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import type { ArchProfile } from '../../src/host/arch.js';
import { tempDir } from '../../src/images/build.js';
import { digestStrings } from '../../src/images/digest.js';
import { makeExt4, treeBytes } from '../../src/images/disk.js';
import type { ImageSet } from '../../src/images/image-set.js';
import { runStep } from '../../src/images/run-step.js';
import { packageRoot } from '../../src/paths.js';

/** Bump when the recipe changes in a way the digest cannot see. */
const recipeVersion = '1';

/** The Node.js LTS major the lab host runs (scripts/node-releases pins the build). */
export const labNodeMajor = '24';

/**
 * What a lab machine has: systemd, Docker from Debian, the tools setup checks for, QEMU to try nested.
 * AppArmor as on a standard Debian 12 install: Debian's kernel enables it, and without apparmor_parser
 * Docker refuses every container ("the docker-default profile could not be loaded"); debootstrap skips
 * the Recommends that would bring it.
 */
function labPackages(profile: ArchProfile): string[] {
  return [
    'systemd-sysv',
    'dbus',
    'udev',
    'kmod',
    'apparmor',
    profile.kernelMetaPackage,
    'initramfs-tools',
    'docker.io',
    'iproute2',
    'procps',
    'e2fsprogs',
    'debootstrap',
    'cpio',
    'iperf3',
    'sockperf',
    'redis-tools',
    'wrk',
    profile.qemuPackage,
    'qemu-utils',
  ];
}

/** The unit that runs the test's script from the second disk once Docker is up, then powers off. */
const labUnit = `[Unit]
Description=twinbench lab-host run (the script on the second disk)
Wants=docker.service
After=docker.service multi-user.target
RequiresMountsFor=/lab
ConditionPathExists=/lab/run.sh
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/sh /lab/run.sh
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
`;

/** The lab host's boot files: its root disk (kept pristine: each boot writes to a qcow2 overlay), kernel, initramfs. */
export interface LabImage {
  readonly dir: string;
  readonly disk: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly nodeVersion: string;
}

async function nodeRelease(major: string): Promise<{ prefix: string; version: string }> {
  const prefix = await runStep('node release', 'sh', [
    join(packageRoot, 'scripts', 'node-release.sh'),
    '--print-dir',
    major,
  ]);
  return { prefix, version: basename(prefix).replace(/^node-linux-[a-z0-9]+-/, '') };
}

/** Build (or find in the cache) the lab host's image. */
export async function ensureLabImage(
  profile: ArchProfile,
  cacheRoot: string,
  mirror: string,
  log: (line: string) => void,
): Promise<LabImage> {
  const node = await nodeRelease(labNodeMajor);
  const packages = labPackages(profile);
  const key = digestStrings([recipeVersion, profile.debianArch, mirror, labUnit, node.version, ...packages]).slice(
    0,
    16,
  );
  const dir = join(cacheRoot, 'lab-host', `${profile.debianArch}-${key}`);
  const image: LabImage = {
    dir,
    disk: join(dir, 'root.ext4'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    nodeVersion: node.version,
  };
  if (existsSync(join(dir, 'done'))) return image;
  const started = performance.now();
  log(`lab host: debootstrap bookworm (${packages.join(' ')})`);
  const temp = await tempDir(join(cacheRoot, 'lab-host'), 'build');
  try {
    await buildLabImage(profile, packages, mirror, node.prefix, temp.path);
    await writeFile(join(temp.path, 'done'), `${Math.round((performance.now() - started) / 1000)} s\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(temp.path, dir);
  } finally {
    // Removes the temp folder: gone already once it became `dir`, half-built otherwise.
    await temp.release();
  }
  log(`lab host: built in ${Math.round((performance.now() - started) / 1000)} s`);
  return image;
}

/** debootstrap the lab host into `<folder>/rootfs`, configure it, and leave its disk, kernel and initramfs in `folder`. */
async function buildLabImage(
  profile: ArchProfile,
  packages: readonly string[],
  mirror: string,
  nodePrefix: string,
  folder: string,
): Promise<void> {
  const tree = join(folder, 'rootfs');
  await runStep('debootstrap lab host', 'debootstrap', [
    '--variant=minbase',
    `--arch=${profile.debianArch}`,
    `--include=${packages.join(',')}`,
    'bookworm',
    tree,
    mirror,
  ]);
  await writeFile(join(tree, 'etc', 'hostname'), 'twinbench-lab\n');
  await writeFile(
    join(tree, 'etc', 'fstab'),
    '/dev/vda / ext4 rw,relatime 0 1\n/dev/vdb /lab ext4 rw,relatime,nofail 0 2\n',
  );
  await mkdir(join(tree, 'lab'), { recursive: true });
  await writeFile(join(tree, 'etc', 'systemd', 'system', 'lab-run.service'), labUnit);
  await runStep('enable lab-run', 'chroot', [tree, 'systemctl', 'enable', 'lab-run.service']);
  // A console login for whoever debugs it by hand (-serial stdio): root, no password.
  await runStep('root login', 'chroot', [tree, 'passwd', '-d', 'root']);
  await cp(join(nodePrefix, 'bin', 'node'), join(tree, 'usr', 'local', 'bin', 'node'));
  const boot = await readdir(join(tree, 'boot'));
  const vmlinuz = boot.find((file) => file.startsWith('vmlinuz-'));
  const initrd = boot.find((file) => file.startsWith('initrd.img-'));
  if (!vmlinuz || !initrd) throw new Error(`lab host: no kernel or initramfs in ${join(tree, 'boot')}`);
  await cp(join(tree, 'boot', vmlinuz), join(folder, 'vmlinuz'));
  await cp(join(tree, 'boot', initrd), join(folder, 'initrd.img'));
  // Room for Docker's store (the imported rootfs), native trials' copies and logs.
  await makeExt4(tree, join(folder, 'root.ext4'), (await treeBytes(tree)) + 4 * 1024 ** 3);
  await rm(tree, { recursive: true, force: true });
}

/** `npm pack` of this checkout, installed as `npm install -g` would into `prefix` (dependencies from the registry). */
async function installPacked(prefix: string, scratch: string): Promise<string> {
  const packed = JSON.parse(
    await runStep('npm pack', 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
      cwd: packageRoot,
    }),
  ) as { filename: string }[];
  const tarball = join(scratch, packed[0]?.filename ?? '');
  // --ignore-scripts: dockerode's optional native speed-up (cpu-features) would be built for this host's Node.
  // --prefer-offline: the dependencies as npm's cache has them, where it has them (this checkout's own install
  // filled it), instead of asking the registry about each of the ~350 again: 31 s → 12 s here.
  await runStep('npm install -g', 'npm', [
    'install',
    '--global',
    '--prefix',
    prefix,
    '--prefer-offline',
    '--ignore-scripts',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    tarball,
  ]);
  return tarball;
}

/** The second disk: twinbench, the prebuilt images at the cache path the lab's TWINBENCH_CACHE names, apt's index, the script and its input files. */
export async function makeWorkDisk(options: {
  images: ImageSet;
  cacheRoot: string;
  script: string;
  env: Record<string, string>;
  files?: Record<string, string>;
  output: string;
}): Promise<void> {
  const work = await tempDir(join(options.cacheRoot, 'lab-host'), 'work');
  try {
    await installPacked(join(work.path, 'prefix'), work.path);
    const cache = join(work.path, 'cache');
    // Only what `bench all` reads of the set (not the Vagrant box), and the kernel for a nested QEMU try.
    const setDir = join(cache, 'images', basename(options.images.dir));
    await mkdir(setDir, { recursive: true });
    for (const file of ['image.json', 'rootfs.tar', 'disk.ext4', 'initrd.gz'])
      await cp(join(options.images.dir, file), join(setDir, file));
    if (options.images.kernelPath.startsWith(`${options.cacheRoot}/`)) {
      const relativeKernel = options.images.kernelPath.slice(options.cacheRoot.length + 1);
      await mkdir(join(cache, relativeKernel, '..'), { recursive: true });
      await cp(options.images.kernelPath, join(cache, relativeKernel));
    }
    // The host's apt sources and index, so the lab resolves the same package versions (the images' digest).
    await cp('/etc/apt/sources.list', join(work.path, 'apt', 'sources.list')).catch(() => undefined);
    if (existsSync('/etc/apt/sources.list.d'))
      await cp('/etc/apt/sources.list.d', join(work.path, 'apt', 'sources.list.d'), { recursive: true });
    await mkdir(join(work.path, 'apt', 'lists'), { recursive: true });
    for (const file of await readdir('/var/lib/apt/lists')) {
      // Packages lists may be stored compressed (Debian's docker images: Acquire::GzipIndexes, `_Packages.lz4`).
      if (
        /_(InRelease|Release(\.gpg)?)$/.test(file) ||
        (/_Packages(\.[a-z0-9]+)?$/.test(file) && file.includes(`binary-${options.images.arch}_`))
      ) {
        await cp(join('/var/lib/apt/lists', file), join(work.path, 'apt', 'lists', file));
      }
    }
    // Inputs of the script's steps (a user's image archive for `bench all --image`), at /lab/<name>.
    for (const [name, path] of Object.entries(options.files ?? {})) await cp(path, join(work.path, name));
    await cp(options.script, join(work.path, 'run.sh'));
    await chmod(join(work.path, 'run.sh'), 0o755);
    await writeFile(
      join(work.path, 'env'),
      Object.entries(options.env)
        .map(([key, value]) => `${key}=${shellQuote(value)}\nexport ${key}\n`)
        .join(''),
    );
    await mkdir(join(work.path, 'out'));
    await makeExt4(work.path, options.output, (await treeBytes(work.path)) + 3 * 1024 ** 3);
  } finally {
    await rm(work.path, { recursive: true, force: true });
    await work.release();
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The lab host's QEMU command line: its root overlay as /dev/vda, the work disk as /dev/vdb, the console to a file. */
export function labQemuArgs(options: {
  image: Pick<LabImage, 'kernel' | 'initrd'>;
  profile: ArchProfile;
  accel: 'kvm' | 'tcg';
  vcpus: number;
  memoryMiB: number;
  overlay: string;
  workDisk: string;
  consoleLog: string;
}): string[] {
  return [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-machine',
    `${options.profile.machineType},accel=${options.accel}`,
    // Under KVM the host's CPU; under TCG `max`, which emulates AMD-V/VT-x, so the lab's own KVM probe decides on something real.
    '-cpu',
    options.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(options.vcpus),
    '-m',
    `${options.memoryMiB}M`,
    '-kernel',
    options.image.kernel,
    '-initrd',
    options.image.initrd,
    '-append',
    `root=/dev/vda rw console=${options.profile.console} panic=-1`,
    '-drive',
    `file=${options.overlay},if=virtio,format=qcow2`,
    '-drive',
    `file=${options.workDisk},if=virtio,format=raw`,
    '-serial',
    `file:${options.consoleLog}`,
    ...options.profile.extraQemuArgs,
  ];
}

/** One boot of the lab host: until its script powers it off, or `timeoutMs`. */
export async function bootLabHost(options: {
  image: LabImage;
  workDisk: string;
  scratch: string;
  profile: ArchProfile;
  accel: 'kvm' | 'tcg';
  vcpus: number;
  memoryMiB: number;
  timeoutMs: number;
}): Promise<{ seconds: number; timedOut: boolean; exitCode: number | undefined; consoleTail: string }> {
  const overlay = join(options.scratch, 'root.qcow2');
  await runStep('lab overlay', 'qemu-img', [
    'create',
    '-q',
    '-f',
    'qcow2',
    '-b',
    options.image.disk,
    '-F',
    'raw',
    overlay,
  ]);
  const consoleLog = join(options.scratch, 'console.log');
  const started = performance.now();
  // Not detached: execa ends QEMU when the test process exits or is interrupted, and at the timeout.
  const result = await execa(options.profile.qemuBinary, labQemuArgs({ ...options, overlay, consoleLog }), {
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs,
    forceKillAfterDelay: 5000,
  });
  const consoleText = await readFile(consoleLog, 'utf8').catch(() => '');
  return {
    seconds: Math.round((performance.now() - started) / 100) / 10,
    timedOut: result.timedOut,
    exitCode: result.exitCode,
    consoleTail: consoleText.split('\n').slice(-40).join('\n'),
  };
}

/** Copy `/out` of the work disk into `parent` with debugfs (no mount needed); returns `<parent>/out`. */
export async function readWorkDiskOut(workDisk: string, parent: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  await runStep('debugfs rdump', 'debugfs', ['-R', `rdump /out ${parent}`, workDisk]);
  return join(parent, 'out');
}
