import { lstat, readdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { runStep } from '../run-step.js';

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
  const names = entries.map((raw) => posix.normalize(raw.replace(/^\.?\//, '')).replace(/\/$/, '')).filter((name) => name !== '' && name !== '.');
  const ownFolders = new Set(entries.filter((raw) => raw.endsWith('/')).map((raw) => posix.normalize(raw.replace(/^\.?\//, '')).replace(/\/$/, '')));
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
      if (symlink) throw new Error(`image layer ${posix.basename(posix.dirname(layer))} writes ${name} through the symlink ${folder} of a lower layer`);
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
    const listing = await runStep('list image layer', 'tar', ['-tf', layer], { cancelSignal: signal, maxBuffer: 256 * 1024 * 1024 });
    const { removed, opaque } = layerWhiteouts(listing.split('\n'));
    for (const folder of opaque) {
      const path = await literalPath(tree, folder);
      const stats = path === undefined ? undefined : await lstat(path).catch(() => undefined);
      if (!path || !stats) continue;
      // A folder keeps itself but loses what lower layers put in it; anything else at that path goes.
      if (!stats.isDirectory()) await rm(path, { force: true });
      else await Promise.all((await readdir(path)).map((child) => rm(join(path, child), { recursive: true, force: true })));
    }
    for (const entry of removed) {
      const path = await literalPath(tree, entry);
      if (path && path !== tree) await rm(path, { recursive: true, force: true });
    }
    await refuseWritesThroughSymlinks(listing.split('\n'), tree, layer);
    await runStep('extract image layer', 'tar', ['-xf', layer, '-C', tree, '--numeric-owner', '--same-owner', '-p', '--xattrs', '--exclude=.wh.*'], {
      cancelSignal: signal,
    });
  }
}
