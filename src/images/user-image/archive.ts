import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../../errors.js';
import { runStep } from '../run-step.js';

/** An image archive, read: the config's bytes and the layers' member names in order (nothing extracted yet). */
export interface ImageArchive {
  readonly path: string;
  readonly format: 'docker-save' | 'oci-layout';
  /** The config blob as stored: its sha256 is the image ID. */
  readonly configText: string;
  readonly configDigest: string;
  /** Layer tars (possibly compressed) as members of the archive, lowest first. */
  readonly layers: readonly string[];
  /** The `RepoTags` of a `docker save` archive, when it has some. */
  readonly repoTags: readonly string[];
}

const notAnImage = (archive: string, why: string) =>
  new UsageError(`--image ${archive}: not an image archive (${why})`);

/** Read one member of a tar as text. */
async function member(archive: string, name: string): Promise<string> {
  const result = await execa('tar', ['-xOf', archive, name], {
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.exitCode !== 0) throw notAnImage(archive, `it has no readable ${name}`);
  return typeof result.stdout === 'string' ? result.stdout : '';
}

function parseJson(archive: string, name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw notAnImage(archive, `${name} is not JSON`);
  }
}

/** `sha256:<hex>` → the blob's path in an OCI layout. */
function blobPath(digest: unknown, archive: string): string {
  const match = typeof digest === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(digest) : null;
  if (!match?.[1]) throw notAnImage(archive, `bad digest ${JSON.stringify(digest)}`);
  return `blobs/sha256/${match[1]}`;
}

/** Follow an OCI index to one image manifest: the one for `arch` when the index lists several. */
async function ociManifest(
  archive: string,
  entries: Set<string>,
  arch: string,
  read: (name: string) => Promise<string>,
): Promise<Record<string, unknown>> {
  let document = parseJson(archive, 'index.json', await read('index.json')) as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const manifests = Array.isArray(document.manifests) ? (document.manifests as Record<string, unknown>[]) : undefined;
    if (!manifests) return document;
    const images = manifests.filter(
      (m) => (m.platform as { architecture?: string } | undefined)?.architecture !== 'unknown',
    );
    const chosen =
      images.find((m) => (m.platform as { architecture?: string } | undefined)?.architecture === arch) ?? images[0];
    if (!chosen) throw notAnImage(archive, 'its index lists no manifest');
    const path = blobPath(chosen.digest, archive);
    if (!entries.has(path)) throw notAnImage(archive, `the manifest blob ${path} is missing`);
    document = parseJson(archive, path, await read(path)) as Record<string, unknown>;
  }
  throw notAnImage(archive, 'indexes nest too deep');
}

/**
 * Read a `docker save` archive (manifest.json) or an OCI image layout tar (oci-layout + index.json): its
 * config and its layers' names. Anything else is a UsageError naming the archive.
 */
export async function readArchive(archive: string, arch: string, signal?: AbortSignal): Promise<ImageArchive> {
  const listing = await execa('tar', ['-tf', archive], {
    reject: false,
    maxBuffer: 256 * 1024 * 1024,
    cancelSignal: signal,
  });
  if (listing.exitCode !== 0) throw notAnImage(archive, 'tar cannot read it');
  // Member names as tar lists them (`./index.json` or `index.json`), looked up without the `./`.
  const names = new Map(
    String(listing.stdout)
      .split('\n')
      .map((name) => [name.replace(/^\.\//, ''), name] as const),
  );
  const entries = new Set(names.keys());
  const read = (name: string) => member(archive, names.get(name) ?? name);
  let format: ImageArchive['format'];
  let configPath: string;
  let layers: string[];
  let repoTags: string[] = [];
  if (entries.has('manifest.json')) {
    format = 'docker-save';
    const manifest = parseJson(archive, 'manifest.json', await read('manifest.json'));
    const first = Array.isArray(manifest) ? (manifest[0] as Record<string, unknown> | undefined) : undefined;
    if (!first || typeof first.Config !== 'string' || !Array.isArray(first.Layers))
      throw notAnImage(archive, 'manifest.json lists no Config and Layers');
    configPath = first.Config;
    layers = (first.Layers as unknown[]).map(String);
    repoTags = Array.isArray(first.RepoTags) ? first.RepoTags.map(String) : [];
  } else if (entries.has('index.json') && entries.has('oci-layout')) {
    format = 'oci-layout';
    const manifest = await ociManifest(archive, entries, arch, read);
    const config = manifest.config as { digest?: unknown } | undefined;
    if (!config || !Array.isArray(manifest.layers)) throw notAnImage(archive, 'its manifest has no config and layers');
    configPath = blobPath(config.digest, archive);
    layers = (manifest.layers as { digest?: unknown }[]).map((layer) => blobPath(layer.digest, archive));
  } else {
    throw notAnImage(archive, 'no manifest.json (docker save) nor oci-layout + index.json (OCI layout)');
  }
  // Member names the manifest gives are extracted into a temporary folder: none may point out of it.
  const climbing = [configPath, ...layers].find((name) => name.startsWith('/') || name.split('/').includes('..'));
  if (climbing !== undefined)
    throw notAnImage(archive, `its manifest names the member ${JSON.stringify(climbing)}, outside the archive's tree`);
  const missing = [configPath, ...layers].filter((name) => !entries.has(name));
  if (missing.length > 0) throw notAnImage(archive, `it lacks ${missing.slice(0, 3).join(', ')}`);
  const configText = await read(configPath);
  const configDigest = createHash('sha256').update(configText).digest('hex');
  return {
    path: archive,
    format,
    configText,
    configDigest,
    layers: layers.map((layer) => names.get(layer) ?? layer),
    repoTags,
  };
}

/** Extract the archive's layers into `dir`; returns their paths, lowest first. */
export async function extractLayers(archive: ImageArchive, dir: string, signal?: AbortSignal): Promise<string[]> {
  await runStep('unpack image layers', 'tar', ['-xf', archive.path, '-C', dir, ...new Set(archive.layers)], {
    cancelSignal: signal,
  });
  return archive.layers.map((layer) => join(dir, layer.replace(/^\.\//, '')));
}
