import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { flattenLayers, layerWhiteouts } from '../../../../src/images/user-image/flatten.js';

test('whiteouts: .wh.NAME removes NAME below, .wh..wh..opq hides a folder\'s lower contents', () => {
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

test('layers applied in order give the image\'s filesystem, with whiteouts and opaque folders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-flatten-'));
  try {
    const base = layer(dir, 'base', { 'etc/motd': 'hello', 'etc/keep': 'k', 'var/cache/a': 'a', 'var/cache/b': 'b' });
    const upper = layer(dir, 'upper', { 'etc/.wh.motd': '', 'var/cache/.wh..wh..opq': '', 'var/cache/c': 'c', 'etc/keep': 'k2' });
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    await flattenLayers([base, upper], tree);
    assert.equal(existsSync(join(tree, 'etc/motd')), false);
    assert.equal(readFileSync(join(tree, 'etc/keep'), 'utf8'), 'k2');
    assert.deepEqual(['a', 'b', 'c'].filter((f) => existsSync(join(tree, 'var/cache', f))), ['c']);
    assert.equal(existsSync(join(tree, 'etc/.wh.motd')), false, 'markers are not extracted');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a whiteout or an opaque folder under a lower layer\'s symlink never reaches through it', async () => {
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
      execFileSync('sh', ['-c', `mkdir -p ${dir}/t/escape && : > ${dir}/t/escape/${entry} && tar -C ${dir}/t -cf ${through} escape/${entry}`]);
      await assert.rejects(flattenLayers([through], tree), /through the symlink escape of a lower layer/);
    }
    assert.equal(readFileSync(join(outside, 'precious'), 'utf8'), 'p');
    assert.equal(existsSync(join(outside, 'new')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
