import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseColonKeyed, parseFlatKeyed, pickColonKeyed, pickFlatKeyed } from '../../../src/sampling/parse-common.js';
import { fixture } from '../../helpers.js';

test('pickFlatKeyed finds exactly what parseFlatKeyed would, on files recorded on real hosts', () => {
  for (const [dir, file] of [
    ['cgroup-v1-host', 'memory.stat'],
    ['cgroup-v1-host', 'cpuacct.stat'],
    ['cgroup-v2-guest', 'memory.stat'],
    ['cgroup-v2-guest', 'cpu.stat'],
  ] as const) {
    const text = fixture(dir, file);
    const all = parseFlatKeyed(text);
    const keys = [...all.keys()];
    assert.ok(keys.length > 1, `${dir}/${file} has fields`);
    assert.deepEqual(pickFlatKeyed(text, [...keys, 'no_such_key']), all, `${dir}/${file}`);
  }
});

test('flat and colon-keyed parsers: a key only at a line start, whole integers only, kB as bytes', () => {
  const flat = 'rss 10\ntotal_rss 20\n  indented 5\nbad 1 2\nneg -3\nlast 7';
  assert.deepEqual(
    pickFlatKeyed(flat, ['rss', 'total_rss', 'indented', 'bad', 'neg', 'last', 'ss']),
    new Map([
      ['rss', 10],
      ['total_rss', 20],
      ['neg', -3],
      ['last', 7],
    ]),
  );
  assert.deepEqual(
    parseFlatKeyed(flat),
    new Map([
      ['rss', 10],
      ['total_rss', 20],
      ['neg', -3],
      ['last', 7],
    ]),
  );
  const colon = 'Pss:     123 kB\nPss_Anon:\t4 kB\nread_bytes: 4096\nVmRSS:12 kB\nName:\tsleep\nx:y: 3\n';
  assert.deepEqual(
    parseColonKeyed(colon),
    new Map([
      ['Pss', 123 * 1024],
      ['Pss_Anon', 4096],
      ['read_bytes', 4096],
    ]),
  );
});

test('pickColonKeyed finds exactly what parseColonKeyed would, on /proc files recorded on a real host', () => {
  for (const file of ['container', 'qemu', 'shim'].flatMap((process) =>
    ['status', 'smaps_rollup', 'io'].map((kind) => `${process}.${kind}`),
  )) {
    const text = fixture('proc-host', file);
    const all = parseColonKeyed(text);
    assert.ok(all.size > 1, file);
    assert.deepEqual(pickColonKeyed(text, [...all.keys(), 'NoSuchKey']), all, file);
  }
  assert.deepEqual(
    pickColonKeyed('Pss:123 kB\nRss:\t7 kB\nName:\tsleep\n', ['Pss', 'Rss', 'Name']),
    new Map([['Rss', 7168]]),
  );
});
