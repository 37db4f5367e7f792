import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TwinbenchError, UsageError } from '../../errors.js';
import { tempDir } from '../build.js';
import { digestFile, digestStrings } from '../digest.js';
import { makeExt4, makeTar, rootDiskBytes, treeBytes } from '../disk.js';
import type { ImageSet, UserImageRecord } from '../image-set.js';
import { extractLayers, readArchive, type ImageArchive } from './archive.js';
import { inspectEngineImage, saveEngineImage } from './engine-image.js';
import { flattenLayers } from './flatten.js';
import { debianArchOf, imageArgv, parseImageConfig, resolveImageUser, type UserImageConfig } from './image-config.js';
import type { ArchName } from '../../host/arch.js';
import type { ImageLaunch } from './launch.js';
import { buildImageInitrd, imageInitScript } from './vm-initrd.js';

/** Bump when the conversion changes in a way the inputs below cannot see. */
const conversionVersion = '2';

interface Converted {
  readonly record: Omit<UserImageRecord, 'reference' | 'source' | 'conversion'> & {
    readonly firstConversionSeconds: number;
  };
  readonly launch: ImageLaunch;
}

/** A `--image` reference found and checked, before anything slow: an archive read, or an engine image's ID. */
export type LocatedImage =
  | { readonly ref: string; readonly kind: 'archive'; readonly archive: ImageArchive }
  | { readonly ref: string; readonly kind: 'engine'; readonly id: string };

/** The reference's architecture must be the run's guests': a clear UsageError otherwise. */
function checkArchitecture(ref: string, os: string, architecture: string, guestArch: ArchName): void {
  const arch = debianArchOf(architecture);
  if (arch === guestArch && os === 'linux') return;
  throw new UsageError(
    `--image ${ref} is built for ${os}/${architecture}; this run's guests are linux/${guestArch}${arch && arch !== guestArch ? ` (--arch ${arch} runs it emulated)` : ''}`,
  );
}

/** Find `--image REF` (a file, else the local Docker engine) and check its config and architecture. */
export async function locateUserImage(ref: string, guestArch: ArchName, signal: AbortSignal): Promise<LocatedImage> {
  if (existsSync(ref) && statSync(ref).isFile()) {
    const archive = await readArchive(resolve(ref), guestArch, signal);
    const config = configOf(ref, archive);
    checkArchitecture(ref, config.os, config.architecture, guestArch);
    return { ref, kind: 'archive', archive };
  }
  const found = await inspectEngineImage(ref, signal);
  checkArchitecture(ref, found.os, found.architecture, guestArch);
  return { ref, kind: 'engine', id: found.id };
}

function configOf(ref: string, archive: ImageArchive): UserImageConfig {
  try {
    return parseImageConfig(archive.configText);
  } catch (error) {
    throw new UsageError(`--image ${ref}: ${(error as Error).message}`);
  }
}

/**
 * A located image → an image set of it: its flattened filesystem as the rootfs tar (containers, native)
 * and as an ext4 disk (VMs), an initramfs that starts its entrypoint, and how it is launched. Cached by
 * image ID, base kernel/initramfs and the conversion recipe; a failed conversion leaves no temp files.
 */
export async function prepareUserImage(
  located: LocatedImage,
  base: ImageSet,
  cacheRoot: string,
  io: { log: (line: string) => void; signal: AbortSignal },
): Promise<ImageSet> {
  const { ref } = located;
  const started = performance.now();
  const root = join(cacheRoot, 'user-images');
  await mkdir(root, { recursive: true });
  const temp = await tempDir(root, 'convert');
  try {
    let archive: ImageArchive;
    const source = located.kind === 'archive' ? located.archive.format : 'docker-engine';
    if (located.kind === 'archive') archive = located.archive;
    else {
      const hit = await cached(root, located.id.replace(/^sha256:/, ''), base);
      if (hit) return finish({ ref, source }, root, hit, base, true, started, io);
      io.log(`image: docker image save ${ref}`);
      await saveEngineImage(ref, join(temp.path, 'image.tar'), io.signal);
      archive = await readArchive(join(temp.path, 'image.tar'), base.arch, io.signal);
    }
    const hit = await cached(root, archive.configDigest, base);
    if (hit) return finish({ ref, source }, root, hit, base, true, started, io);
    const converted = await convert(ref, archive, base, temp.path, io);
    const dir = cacheDirFor(root, archive.configDigest, base);
    await rm(dir, { recursive: true, force: true });
    await rename(join(temp.path, 'out'), dir);
    return finish({ ref, source }, root, converted, base, false, started, io);
  } finally {
    await temp.release();
  }
}

function cacheDirFor(root: string, configDigest: string, base: ImageSet): string {
  const key = digestStrings([
    conversionVersion,
    configDigest,
    base.inputsDigest,
    base.initrdPath,
    base.kernelPath,
  ]).slice(0, 16);
  return join(root, `${base.arch}-${configDigest.slice(0, 12)}-${key}`);
}

async function cached(root: string, configDigest: string, base: ImageSet): Promise<Converted | undefined> {
  const file = join(cacheDirFor(root, configDigest, base), 'image.json');
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(await readFile(file, 'utf8')) as Converted & { initScript: string };
  // The init script is read at boot: a changed one is a different conversion.
  return saved.initScript === (await digestFile(imageInitScript)) ? saved : undefined;
}

function finish(
  { ref, source }: Pick<UserImageRecord, 'source'> & { ref: string },
  root: string,
  converted: Converted,
  base: ImageSet,
  wasCached: boolean,
  started: number,
  io: { log: (line: string) => void },
): ImageSet {
  const seconds = Math.round(performance.now() - started) / 1000;
  const { firstConversionSeconds, ...record } = converted.record;
  const dir = cacheDirFor(root, record.imageId.replace(/^sha256:/, ''), base);
  io.log(
    `image: ${ref} ${wasCached ? 'converted earlier' : 'converted'} (${seconds.toFixed(1)} s; first conversion ${firstConversionSeconds.toFixed(1)} s)`,
  );
  return {
    ...base,
    rootfsDigest: record.rootfsDigest,
    rootfsTar: join(dir, 'rootfs.tar'),
    dockerTag: `twinbench-image:${record.imageId.replace(/^sha256:/, '').slice(0, 12)}`,
    diskPath: join(dir, 'disk.ext4'),
    initrdPath: join(dir, 'initrd.gz'),
    launch: converted.launch,
    userImage: {
      ...record,
      reference: ref,
      source,
      conversion: { cached: wasCached, seconds, firstConversionSeconds },
    },
  };
}

async function convert(
  ref: string,
  archive: ImageArchive,
  base: ImageSet,
  work: string,
  io: { log: (line: string) => void; signal: AbortSignal },
): Promise<Converted> {
  const started = performance.now();
  const config = configOf(ref, archive);
  checkArchitecture(ref, config.os, config.architecture, base.arch);
  io.log(`image: flattening ${archive.layers.length} layer(s) of ${ref}`);
  const tree = join(work, 'tree');
  const out = join(work, 'out');
  await mkdir(tree, { recursive: true });
  await mkdir(out, { recursive: true });
  await mkdir(join(work, 'layers'), { recursive: true });
  try {
    await flattenLayers(await extractLayers(archive, join(work, 'layers'), io.signal), tree, io.signal);
  } catch (error) {
    if (error instanceof TwinbenchError || io.signal.aborted) throw error;
    throw new UsageError(`--image ${ref}: ${(error as Error).message}`, { cause: error });
  }
  await rm(join(work, 'layers'), { recursive: true, force: true });
  const text = async (path: string) => readFile(join(tree, path), 'utf8').catch(() => undefined);
  let ids: ReturnType<typeof resolveImageUser>;
  try {
    ids = resolveImageUser(config.user, await text('etc/passwd'), await text('etc/group'));
  } catch (error) {
    throw new UsageError(`--image ${ref}: ${(error as Error).message}`);
  }
  const launch: ImageLaunch = { argv: imageArgv(config), env: config.env, workingDir: config.workingDir, ...ids };
  const bytes = await treeBytes(tree);
  io.log(`image: ${(bytes / 1048576).toFixed(1)} MiB flattened; writing rootfs.tar, disk.ext4, initrd.gz`);
  await makeTar(tree, join(out, 'rootfs.tar'), io.signal);
  await makeExt4(tree, join(out, 'disk.ext4'), rootDiskBytes(bytes), io.signal);
  await buildImageInitrd({
    baseInitrd: base.initrdPath,
    rootfsTar: base.rootfsTar,
    arch: base.arch,
    launch,
    workDir: work,
    output: join(out, 'initrd.gz'),
  });
  const record = {
    imageId: `sha256:${archive.configDigest}`,
    repoTags: archive.repoTags,
    architecture: config.architecture,
    entrypoint: config.entrypoint,
    cmd: config.cmd,
    env: config.env,
    workingDir: config.workingDir,
    user: config.user,
    uid: ids.uid,
    gid: ids.gid,
    exposedTcpPorts: config.exposedTcpPorts,
    rootfsBytes: bytes,
    rootfsDigest: await digestFile(join(out, 'rootfs.tar')),
    firstConversionSeconds: Math.round(performance.now() - started) / 1000,
  };
  const converted: Converted = { record, launch };
  await writeFile(
    join(out, 'image.json'),
    `${JSON.stringify({ ...converted, initScript: await digestFile(imageInitScript) }, null, 1)}\n`,
  );
  return converted;
}
