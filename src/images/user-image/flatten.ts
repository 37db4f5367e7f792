import { createReadStream } from 'node:fs';
import { lstat, open, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import * as tarStream from 'tar-stream';
import { runStep } from '../run-step.js';

/** One member of a layer tar, as its header says (tar-stream's names for the types). */
export interface LayerMember {
  readonly name: string;
  readonly type: string;
  readonly linkname?: string | null;
  readonly size: number;
}

/** What a layer may expand to before it is refused as a bomb. */
export interface LayerLimits {
  readonly maxBytes: number;
  readonly maxEntries: number;
}

/**
 * Pure: the members of one layer checked in order, before anything is extracted. A layer is refused (the
 * reason, naming the entry) when a member's name is absolute or climbs out with `..`, a hard link points out
 * of the tree, a member would be written through a symlink the same layer made earlier, or the layer expands
 * beyond `limits`. Device nodes are listed in `devices` and never created: a guest gets its own /dev (the
 * engine's, devtmpfs, or the native baseline's private one), and a node such as /dev/mem in the cache folder
 * would hand the host's memory to whoever can open it. Writes through a lower layer's symlink are checked apart,
 * against the tree (refuseWritesThroughSymlinks). Symlinks themselves may point anywhere: they are files of
 * the image, followed only inside its guest.
 */
export class LayerChecker {
  readonly names: string[] = [];
  /** Device nodes (`./dev/console` of many images): never created on the host, left out at extraction. */
  readonly devices: string[] = [];
  #bytes = 0;
  /** The type each path last had in this layer: a symlink there makes writes below it refused. */
  readonly #types = new Map<string, string>();
  readonly #limits: LayerLimits;

  constructor(limits: LayerLimits) {
    this.#limits = limits;
  }

  /** The problem with this member, or undefined; members are fed in the order of the archive. */
  add(member: LayerMember): string | undefined {
    const raw = member.name;
    if (raw.startsWith('/')) return `entry ${JSON.stringify(raw)} has an absolute name`;
    const parts = raw
      .replace(/^\.\//, '')
      .split('/')
      .filter((part) => part !== '' && part !== '.');
    if (parts.includes('..')) return `entry ${JSON.stringify(raw)} climbs out of the tree with ".."`;
    const name = parts.join('/');
    if (member.type === 'link') {
      const target = member.linkname ?? '';
      if (target.startsWith('/') || target.split('/').includes('..'))
        return `entry ${JSON.stringify(raw)} is a hard link out of the tree (to ${JSON.stringify(target)})`;
    }
    for (let depth = 1; depth < parts.length; depth++) {
      const folder = parts.slice(0, depth).join('/');
      if (this.#types.get(folder) === 'symlink')
        return `entry ${JSON.stringify(raw)} is written through the symlink ${JSON.stringify(folder)} the same layer made`;
    }
    if (name !== '') this.#types.set(name, member.type);
    if (member.type === 'character-device' || member.type === 'block-device') this.devices.push(raw);
    this.names.push(raw);
    this.#bytes += Math.max(0, member.size);
    if (this.names.length > this.#limits.maxEntries)
      return `it holds more than ${this.#limits.maxEntries} entries (a layer bomb?)`;
    if (this.#bytes > this.#limits.maxBytes)
      return `it expands to more than ${(this.#limits.maxBytes / 2 ** 30).toFixed(1)} GiB, the free space where it would be flattened (a layer bomb?)`;
    return undefined;
  }
}

/** The layer's bytes, decompressed as its first bytes say: gzip (zlib), zstd (the zstd tool), else plain tar. */
async function layerStream(layer: string, signal?: AbortSignal): Promise<Readable> {
  const handle = await open(layer, 'r');
  const magic = Buffer.alloc(4);
  try {
    await handle.read(magic, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (magic[0] === 0x1f && magic[1] === 0x8b) return createReadStream(layer).pipe(createGunzip());
  if (magic.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) {
    const zstd = execa('zstd', ['-dc', layer], {
      buffer: false,
      stdin: 'ignore',
      stderr: 'ignore',
      ...(signal ? { cancelSignal: signal } : {}),
    });
    zstd.catch(() => undefined);
    return zstd.stdout;
  }
  return createReadStream(layer);
}

/**
 * Read a layer's headers (never its files) and check them with LayerChecker: its member names in order, or
 * an Error naming the layer and the entry. The limits are the free space of the folder it is flattened into,
 * and a million entries.
 */
export async function inspectLayer(
  layer: string,
  into: string,
  signal?: AbortSignal,
  limits: Partial<LayerLimits> = {},
): Promise<{ names: string[]; devices: string[] }> {
  const space = await statfs(into);
  const checker = new LayerChecker({ maxBytes: space.bavail * space.bsize, maxEntries: 1_000_000, ...limits });
  const label = `image layer ${basename(dirname(layer)) === 'sha256' ? basename(layer).slice(0, 12) : posix.basename(posix.dirname(layer.replaceAll('\\', '/')))}`;
  const extract = tarStream.extract();
  let problem: string | undefined;
  const reading = pipeline(await layerStream(layer, signal), extract).catch((error: Error) => {
    problem ??= `cannot be read as a tar (${error.message})`;
  });
  for await (const entry of extract) {
    problem = checker.add({
      name: entry.header.name,
      type: entry.header.type ?? 'file',
      linkname: entry.header.linkname,
      size: entry.header.size ?? 0,
    });
    if (problem) {
      extract.destroy();
      break;
    }
    entry.resume();
  }
  await reading;
  if (problem) throw new Error(`${label}: ${problem}`);
  return { names: checker.names, devices: checker.devices };
}

/** What one layer's whiteouts remove from the layers below it (OCI image spec, "Whiteouts"). */
export interface LayerWhiteouts {
  /** Paths (relative, no leading `./`) deleted by `.wh.<name>` entries. */
  readonly removed: string[];
  /** Folders whose lower contents are hidden by `.wh..wh..opq`. */
  readonly opaque: string[];
}

/** Pure: the whiteouts among a layer's entry names (as `tar -t` lists them). */
export function layerWhiteouts(entries: readonly string[]): LayerWhiteouts {
  const removed: string[] = [];
  const opaque: string[] = [];
  for (const raw of entries) {
    const entry = posix.normalize(raw.replace(/^\.?\//, '')).replace(/\/$/, '');
    const base = posix.basename(entry);
    if (!base.startsWith('.wh.')) continue;
    const folder = posix.dirname(entry) === '.' ? '' : posix.dirname(entry);
    if (base === '.wh..wh..opq') opaque.push(folder);
    else removed.push(folder ? `${folder}/${base.slice(4)}` : base.slice(4));
  }
  return { removed, opaque };
}

/**
 * The path of `relative` in `tree` when every folder on the way is a real folder there; undefined when one
 * is missing or a symlink (then lower layers hold nothing at that literal path, and following the link
 * could reach outside the tree).
 */
async function literalPath(tree: string, relative: string): Promise<string | undefined> {
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new Error(`layer entry escapes the tree: ${relative}`);
  let path = tree;
  for (const part of parts.slice(0, -1)) {
    path = join(path, part);
    const stats = await lstat(path).catch(() => undefined);
    if (!stats?.isDirectory()) return undefined;
  }
  return parts.length === 0 ? tree : join(path, parts.at(-1) ?? '');
}

/**
 * A layer whose entry would be written through a symlink a lower layer left (a parent folder the layer
 * itself does not define) is refused: tar would follow it, possibly out of the tree onto the host.
 */
async function refuseWritesThroughSymlinks(entries: readonly string[], tree: string, layer: string): Promise<void> {
  const names = entries
    .map((raw) => posix.normalize(raw.replace(/^\.?\//, '')).replace(/\/$/, ''))
    .filter((name) => name !== '' && name !== '.');
  const ownFolders = new Set(
    entries
      .filter((raw) => raw.endsWith('/'))
      .map((raw) => posix.normalize(raw.replace(/^\.?\//, '')).replace(/\/$/, '')),
  );
  const checked = new Map<string, boolean>();
  for (const name of names) {
    const parts = name.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const folder = parts.slice(0, depth).join('/');
      if (ownFolders.has(folder)) continue;
      let symlink = checked.get(folder);
      if (symlink === undefined) {
        symlink = (await lstat(join(tree, folder)).catch(() => undefined))?.isSymbolicLink() ?? false;
        checked.set(folder, symlink);
      }
      if (symlink)
        throw new Error(
          `image layer ${posix.basename(posix.dirname(layer))} writes ${name} through the symlink ${folder} of a lower layer`,
        );
    }
  }
}

/**
 * Apply image layers in order to an empty folder: each layer's whiteouts first remove what lower layers
 * put there (never through a symlink), then the layer is extracted without its whiteout markers (owners
 * and modes as stored). GNU tar replaces a symlink where the layer has a folder, as the layer means.
 */
export async function flattenLayers(layers: readonly string[], tree: string, signal?: AbortSignal): Promise<void> {
  for (const layer of layers) {
    // Every header checked before anything of the layer is written (names, links, devices, size).
    const { names: listing, devices } = await inspectLayer(layer, tree, signal);
    const { removed, opaque } = layerWhiteouts(listing);
    for (const folder of opaque) {
      const path = await literalPath(tree, folder);
      const stats = path === undefined ? undefined : await lstat(path).catch(() => undefined);
      if (!path || !stats) continue;
      // A folder keeps itself but loses what lower layers put in it; anything else at that path goes.
      if (!stats.isDirectory()) await rm(path, { force: true });
      else
        await Promise.all(
          (await readdir(path)).map((child) => rm(join(path, child), { recursive: true, force: true })),
        );
    }
    for (const entry of removed) {
      const path = await literalPath(tree, entry);
      if (path && path !== tree) await rm(path, { recursive: true, force: true });
    }
    await refuseWritesThroughSymlinks(listing, tree, layer);
    // Device nodes by their exact names (no wildcards, anchored: a name may hold `*`), after the whiteout pattern.
    const excluded = join(dirname(layer), `${basename(layer)}.devices`);
    await writeFile(excluded, devices.map((name) => `${name}\n`).join(''));
    await runStep(
      'extract image layer',
      'tar',
      [
        '-xf',
        layer,
        '-C',
        tree,
        '--numeric-owner',
        '--same-owner',
        '-p',
        '--xattrs',
        '--wildcards',
        '--exclude=.wh.*',
        '--no-wildcards',
        '--anchored',
        `--exclude-from=${excluded}`,
      ],
      {
        cancelSignal: signal,
      },
    );
    await rm(excluded, { force: true });
  }
}
