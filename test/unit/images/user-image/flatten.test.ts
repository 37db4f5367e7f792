import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { createGzip } from 'node:zlib';
import fc from 'fast-check';
import * as tarStream from 'tar-stream';
import {
  flattenLayers,
  inspectLayer,
  LayerChecker,
  layerWhiteouts,
} from '../../../../src/images/user-image/flatten.js';

// A fixed seed: the same inputs every run, and fast-check prints the seed and path of any failure to replay it.
fc.configureGlobal({ seed: 20261205 });

test("whiteouts: .wh.NAME removes NAME below, .wh..wh..opq hides a folder's lower contents", () => {
  assert.deepEqual(layerWhiteouts(['./etc/', './etc/.wh.motd', 'var/cache/.wh..wh..opq', '.wh.tmp', 'usr/bin/ls']), {
    removed: ['etc/motd', 'tmp'],
    opaque: ['var/cache'],
  });
});

/** A layer tar made from a folder of files (`content` null = a whiteout marker file). */
function layer(dir: string, name: string, files: Record<string, string>): string {
  const root = join(dir, `${name}-tree`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  execFileSync('tar', ['-C', root, '-cf', join(dir, `${name}.tar`), '.']);
  return join(dir, `${name}.tar`);
}

test("layers applied in order give the image's filesystem, with whiteouts and opaque folders", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-flatten-'));
  try {
    const base = layer(dir, 'base', { 'etc/motd': 'hello', 'etc/keep': 'k', 'var/cache/a': 'a', 'var/cache/b': 'b' });
    const upper = layer(dir, 'upper', {
      'etc/.wh.motd': '',
      'var/cache/.wh..wh..opq': '',
      'var/cache/c': 'c',
      'etc/keep': 'k2',
    });
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    await flattenLayers([base, upper], tree);
    assert.equal(existsSync(join(tree, 'etc/motd')), false);
    assert.equal(readFileSync(join(tree, 'etc/keep'), 'utf8'), 'k2');
    assert.deepEqual(
      ['a', 'b', 'c'].filter((f) => existsSync(join(tree, 'var/cache', f))),
      ['c'],
    );
    assert.equal(existsSync(join(tree, 'etc/.wh.motd')), false, 'markers are not extracted');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a whiteout or an opaque folder under a lower layer's symlink never reaches through it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-flatten-'));
  try {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'p');
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'usr/lib'), { recursive: true });
    writeFileSync(join(tree, 'usr/lib/libc'), 'c');
    symlinkSync(outside, join(tree, 'escape'));
    symlinkSync('usr/lib', join(tree, 'lib'));
    // /lib opaque (a package's folder replacing usrmerge's link): the link goes, usr/lib stays whole.
    await flattenLayers([layer(dir, 'opq', { 'lib/.wh..wh..opq': '', 'lib/systemd/unit': 'u' })], tree);
    assert.ok(lstatSync(join(tree, 'lib')).isDirectory());
    assert.equal(readFileSync(join(tree, 'usr/lib/libc'), 'utf8'), 'c');
    // Entries below a lower layer's symlink, with no folder of their own there: a whiteout and a file.
    for (const entry of ['.wh.precious', 'new']) {
      const through = join(dir, `through-${entry}.tar`);
      execFileSync('sh', [
        '-c',
        `mkdir -p ${dir}/t/escape && : > ${dir}/t/escape/${entry} && tar -C ${dir}/t -cf ${through} escape/${entry}`,
      ]);
      await assert.rejects(flattenLayers([through], tree), /through the symlink escape of a lower layer/);
    }
    assert.equal(readFileSync(join(outside, 'precious'), 'utf8'), 'p');
    assert.equal(existsSync(join(outside, 'new')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A layer tar with exactly these headers (tar-stream), optionally gzip-compressed. */
async function craftedLayer(
  path: string,
  members: { name: string; type?: tarStream.Header['type']; linkname?: string; body?: Buffer }[],
  gzip = false,
): Promise<string> {
  const pack = tarStream.pack();
  const source = pack as unknown as Readable;
  const done = gzip
    ? pipeline(source, createGzip(), createWriteStream(path))
    : pipeline(source, createWriteStream(path));
  for (const member of members) {
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: member.name,
        type: member.type ?? 'file',
        ...(member.linkname ? { linkname: member.linkname } : {}),
        ...(member.type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}),
      };
      const callback = (error?: Error | null) => (error ? reject(error) : resolve());
      if (member.type === undefined || member.type === 'file')
        pack.entry(header, member.body ?? Buffer.from('x'), callback);
      else pack.entry(header, callback);
    });
  }
  pack.finalize();
  await done;
  return path;
}

test('hostile layers are refused before anything is written, naming the layer and the entry; device nodes are left out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-hostile-'));
  try {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'p');
    const cases: [string, Parameters<typeof craftedLayer>[1], RegExp][] = [
      [
        'dotdot',
        [{ name: 'etc/', type: 'directory' }, { name: '../outside/precious' }],
        /entry "\.\.\/outside\/precious" climbs out of the tree with "\.\."/,
      ],
      ['deep-dotdot', [{ name: 'a/b/../../../outside/new' }], /climbs out of the tree/],
      ['absolute', [{ name: `${outside}/new` }], /has an absolute name/],
      [
        'hardlink',
        [{ name: 'passwd', type: 'link', linkname: '../outside/precious' }],
        /entry "passwd" is a hard link out of the tree \(to "\.\.\/outside\/precious"\)/,
      ],
      ['hardlink-absolute', [{ name: 'passwd', type: 'link', linkname: '/etc/shadow' }], /hard link out of the tree/],
      [
        'symlink-in-layer',
        [{ name: 'esc', type: 'symlink', linkname: outside }, { name: 'esc/new' }],
        /entry "esc\/new" is written through the symlink "esc" the same layer made/,
      ],
    ];
    for (const [name, members, message] of cases) {
      const layerDir = join(dir, 'layers', name);
      mkdirSync(layerDir, { recursive: true });
      const path = await craftedLayer(join(layerDir, 'layer.tar'), members);
      const tree = join(dir, `tree-${name}`);
      mkdirSync(tree);
      await assert.rejects(
        flattenLayers([path], tree),
        (error: Error) =>
          message.test(error.message) &&
          error.message.startsWith(`image layer ${name}: `) &&
          !error.message.includes('\n'),
        name,
      );
      assert.deepEqual(readdirSync(tree), [], `${name}: nothing extracted`);
    }
    assert.deepEqual(readdirSync(outside), ['precious']);
    // Device nodes (many images have ./dev/console) are never created; the rest of the layer is.
    const devices = await craftedLayer(join(dir, 'devices.tar'), [
      { name: './dev/', type: 'directory' },
      { name: './dev/console', type: 'character-device' },
      { name: 'dev/mem', type: 'character-device' },
      { name: './dev/keep' },
    ]);
    mkdirSync(join(dir, 'tree-devices'));
    await flattenLayers([devices], join(dir, 'tree-devices'));
    assert.deepEqual(readdirSync(join(dir, 'tree-devices', 'dev')), ['keep']);
    assert.equal(readFileSync(join(outside, 'precious'), 'utf8'), 'p');
    // A symlink pointing anywhere is a file of the image, and a link the layer replaces by a folder is fine.
    const fine = await craftedLayer(join(dir, 'fine.tar'), [
      { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC' },
      { name: 'root', type: 'symlink', linkname: '/' },
      { name: 'x', type: 'directory' },
      { name: 'x/y' },
    ]);
    mkdirSync(join(dir, 'tree-fine'));
    await flattenLayers([fine], join(dir, 'tree-fine'));
    assert.equal(readFileSync(join(dir, 'tree-fine', 'x', 'y'), 'utf8'), 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a layer bomb (gzip: 64 MiB of zeros in 64 KiB) is refused from its headers, with the limit it passed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-bomb-'));
  try {
    mkdirSync(join(dir, 'bomb'));
    const path = await craftedLayer(
      join(dir, 'bomb', 'layer.tar.gz'),
      [{ name: 'zeros', body: Buffer.alloc(64 * 2 ** 20) }],
      true,
    );
    assert.ok(statSync(path).size < 2 ** 20);
    await assert.rejects(
      inspectLayer(path, dir, undefined, { maxBytes: 16 * 2 ** 20 }),
      /^Error: image layer bomb: it expands to more than 0\.0 GiB, the free space where it would be flattened \(a layer bomb\?\)$/,
    );
    assert.deepEqual(await inspectLayer(path, dir), { names: ['zeros'], devices: [] });
    await assert.rejects(inspectLayer(path, dir, undefined, { maxEntries: 0 }), /holds more than 0 entries/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LayerChecker: no member name, however built of "..", "/" and ".", is accepted if it resolves outside the tree', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('..', '.', '', 'a', 'b', '...', '..a'), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      (parts, absolute) => {
        const name = `${absolute ? '/' : ''}${parts.join('/')}`;
        const problem = new LayerChecker({ maxBytes: 1e9, maxEntries: 10 }).add({ name, type: 'file', size: 1 });
        const resolved = posix.normalize(`/tree/${name}`);
        const escapes = name.startsWith('/') || parts.includes('..');
        if (escapes) assert.ok(problem, name);
        else assert.equal(problem, undefined, name);
        assert.ok(!problem ? resolved.startsWith('/tree') : true);
        return true;
      },
    ),
    { numRuns: 2000 },
  );
});
