import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cleanup } from '../cleanup.js';
import { getArchProfile, type ArchName } from '../host/arch.js';
import { packageRoot, workloadsDir } from '../paths.js';
import { defaultMirror } from './apt-source.js';
import { downloadAndExtract, resolveDebPackage, resolveKernelPackage, type DebPackage } from './deb-package.js';
import { digestFile, digestStrings, digestTree } from './digest.js';
import { makeExt4, makeTar, rootDiskBytes, treeBytes } from './disk.js';
import type { ImageSet } from './image-set.js';
import { buildInitramfs } from './initramfs.js';
import { cleanRootfs, copyTree, debootstrap, guestPackages, installAgent, type RootfsSpec } from './rootfs.js';

/** Bump when the build recipe changes in a way the inputs digest cannot see. */
const recipeVersion = '1';

/** Options of an image build. */
export interface BuildOptions {
  readonly arch: ArchName;
  readonly cacheRoot: string;
  readonly suite?: string;
  readonly mirror?: string;
  /** Rebuild even when the cache has a matching image set. */
  readonly force?: boolean;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

const initScript = join(packageRoot, 'src', 'images', 'initramfs-init.sh');

/** Create a temp folder under `parent`, registered for removal until `keep` renames it into place. */
export async function tempDir(parent: string, label: string): Promise<{ path: string; release: () => Promise<void> }> {
  await mkdir(parent, { recursive: true });
  const path = join(parent, `.tmp-${label}-${process.pid}-${Date.now()}`);
  await mkdir(path);
  const release = cleanup.register(`temp folder ${path}`, () => rm(path, { recursive: true, force: true }));
  return { path, release };
}

/** The debootstrapped base tree, cached by suite, mirror, arch and packages. */
async function ensureBaseRootfs(spec: RootfsSpec, options: BuildOptions): Promise<string> {
  const key = digestStrings([recipeVersion, spec.debianArch, spec.suite, spec.mirror, ...spec.packages]).slice(0, 16);
  const dir = join(options.cacheRoot, 'base', `${spec.debianArch}-${key}`);
  if (existsSync(join(dir, 'rootfs', 'etc', 'debian_version'))) return join(dir, 'rootfs');
  options.log(
    `debootstrap ${spec.suite} (${spec.debianArch}, minbase + ${spec.packages.join(' ')}) from ${spec.mirror}`,
  );
  const temp = await tempDir(join(options.cacheRoot, 'base'), 'debootstrap');
  const started = performance.now();
  await debootstrap(spec, join(temp.path, 'rootfs'), options.signal);
  await cleanRootfs(join(temp.path, 'rootfs'));
  await rm(dir, { recursive: true, force: true });
  await rename(temp.path, dir);
  await temp.release();
  options.log(`debootstrap done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return join(dir, 'rootfs');
}

/** A Debian package unpacked under the cache, keyed by name, arch and version. */
export async function ensurePackage(pkg: DebPackage, options: BuildOptions): Promise<string> {
  const dir = join(options.cacheRoot, 'debs', `${pkg.name}_${pkg.version}_${pkg.arch}`.replaceAll(':', '%'));
  if (existsSync(join(dir, 'root'))) return join(dir, 'root');
  options.log(`apt-get download ${pkg.name} ${pkg.version} (${pkg.arch})`);
  const temp = await tempDir(join(options.cacheRoot, 'debs'), pkg.name);
  await downloadAndExtract(pkg, temp.path, options.signal);
  await rm(dir, { recursive: true, force: true });
  await rename(temp.path, dir);
  await temp.release();
  return join(dir, 'root');
}

/**
 * A manifest read from the cache, with its paths moved to where the cache is now: a cache copied to
 * another folder or host (a lab machine given prebuilt images) keeps working. Paths outside the cache
 * the manifest was written in stay as they are.
 */
export function relocateImageSet(set: ImageSet, cacheRoot: string): ImageSet {
  const writtenIn = dirname(dirname(set.dir));
  if (writtenIn === cacheRoot) return set;
  const move = (path: string) =>
    path === writtenIn || path.startsWith(`${writtenIn}/`) ? join(cacheRoot, relative(writtenIn, path)) : path;
  return {
    ...set,
    dir: move(set.dir),
    rootfsTar: move(set.rootfsTar),
    diskPath: move(set.diskPath),
    kernelPath: move(set.kernelPath),
    initrdPath: move(set.initrdPath),
  };
}

/** Find the kernel image (`boot/vmlinuz-*`) and its modules folder in an unpacked kernel package. */
async function locateKernel(root: string): Promise<{ kernelPath: string; modulesRoot: string; release: string }> {
  const boot = (await readdir(join(root, 'boot'))).find((file) => file.startsWith('vmlinuz-'));
  if (!boot) throw new Error(`no boot/vmlinuz-* in ${root}`);
  const release = boot.slice('vmlinuz-'.length);
  return { kernelPath: join(root, 'boot', boot), modulesRoot: join(root, 'lib', 'modules', release), release };
}

/**
 * Build (or find in the cache) the image set: one rootfs tree packaged as a tar for `docker import`
 * and as an ext4 disk, plus a Debian kernel and our initramfs. Returns the cached set when every
 * input digest matches.
 */
export async function ensureImages(options: BuildOptions): Promise<ImageSet> {
  const profile = getArchProfile(options.arch);
  const spec: RootfsSpec = {
    debianArch: profile.debianArch,
    suite: options.suite ?? 'bookworm',
    mirror: options.mirror ?? defaultMirror,
    packages: guestPackages,
  };
  const started = performance.now();
  const kernelPkg = await resolveKernelPackage(profile.kernelMetaPackage, profile.debianArch);
  const busyboxPkg = await resolveDebPackage('busybox-static', profile.debianArch);
  const agentDigest = await digestTree(workloadsDir);
  const initDigest = await digestFile(initScript);
  const baseKey = digestStrings([spec.debianArch, spec.suite, spec.mirror, ...spec.packages]);
  const inputsDigest = digestStrings([
    recipeVersion,
    baseKey,
    kernelPkg.version,
    busyboxPkg.version,
    agentDigest,
    initDigest,
  ]);
  const dir = join(options.cacheRoot, 'images', `${profile.debianArch}-${inputsDigest.slice(0, 16)}`);
  const manifestPath = join(dir, 'image.json');
  if (!options.force && existsSync(manifestPath)) {
    return relocateImageSet(JSON.parse(await readFile(manifestPath, 'utf8')) as ImageSet, options.cacheRoot);
  }

  const baseTree = await ensureBaseRootfs(spec, options);
  const kernelRoot = await ensurePackage(kernelPkg, options);
  const busyboxRoot = await ensurePackage(busyboxPkg, options);
  const kernel = await locateKernel(kernelRoot);

  const temp = await tempDir(join(options.cacheRoot, 'images'), 'image');
  const tree = join(temp.path, 'rootfs');
  options.log('assembling rootfs: base + guest agent + workloads');
  await copyTree(baseTree, tree, options.signal);
  await installAgent(tree, workloadsDir);
  await cleanRootfs(tree);

  options.log('packaging: rootfs.tar (for docker import)');
  await makeTar(tree, join(temp.path, 'rootfs.tar'), options.signal);
  const rootfsDigest = await digestFile(join(temp.path, 'rootfs.tar'));
  options.log('packaging: disk.ext4 (mke2fs -d, same tree)');
  await makeExt4(tree, join(temp.path, 'disk.ext4'), rootDiskBytes(await treeBytes(tree)), options.signal);
  options.log('packaging: initrd.gz (busybox-static + virtio modules)');
  const initramfsModules = await buildInitramfs(
    { busyboxStatic: join(busyboxRoot, 'bin', 'busybox'), modulesRoot: kernel.modulesRoot, initScript },
    temp.path,
    join(temp.path, 'initrd.gz'),
  );
  await rm(tree, { recursive: true, force: true });
  await rm(join(temp.path, 'initramfs'), { recursive: true, force: true });
  await rm(join(temp.path, 'initramfs.cpio'), { force: true });

  const set: ImageSet = {
    arch: profile.debianArch,
    dir,
    inputsDigest,
    rootfsDigest,
    rootfsTar: join(dir, 'rootfs.tar'),
    dockerTag: `twinbench-rootfs:${profile.debianArch}-${rootfsDigest.slice(0, 12)}`,
    diskPath: join(dir, 'disk.ext4'),
    kernelPath: kernel.kernelPath,
    initrdPath: join(dir, 'initrd.gz'),
    kernel: { source: 'debian', name: kernelPkg.name, version: kernelPkg.version },
    initramfsModules,
    suite: spec.suite,
    mirror: spec.mirror,
    packages: spec.packages,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  await writeFile(join(temp.path, 'image.json'), `${JSON.stringify(set, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(temp.path, dir);
  await temp.release();
  return set;
}
