import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import {
  pageSizeBytes,
  parseProcIo,
  parseProcStat,
  parseProcStatm,
  parseProcStatus,
  parseSmapsRollup,
} from '../../../src/sampling/proc.js';
import { fixture } from '../../helpers.js';

test('stat of the containerd shim recorded on this host', () => {
  const stat = parseProcStat(fixture('proc-host', 'shim.stat'));
  assert.ok(stat);
  assert.equal(stat.comm, 'containerd-shim');
  assert.ok(stat.pid > 1 && stat.ppid >= 1);
});

test('stat survives a comm with spaces and parentheses', () => {
  const stat = parseProcStat('42 (my (odd) name) S 7 42 42 0 -1 4194304 1 0 0 0 150 25 30 4 20 0 1 0 999 0 0');
  assert.deepEqual(stat, {
    pid: 42,
    comm: 'my (odd) name',
    state: 'S',
    ppid: 7,
    utimeTicks: 150,
    stimeTicks: 25,
    cutimeTicks: 30,
    cstimeTicks: 4,
    startTicks: 999,
  });
  assert.equal(parseProcStat('garbage'), undefined);
});

test('QEMU memory: PSS ≤ RSS ≤ peak, private ≤ RSS, in bytes', () => {
  const status = parseProcStatus(fixture('proc-host', 'qemu.status'));
  const smaps = parseSmapsRollup(fixture('proc-host', 'qemu.smaps_rollup'));
  assert.ok(status.rssBytes! > 50 * 1024 * 1024, 'a booting QEMU guest holds tens of MiB');
  assert.ok(status.peakRssBytes! >= status.rssBytes!);
  assert.ok(smaps.pssBytes! <= status.rssBytes! + 4096);
  assert.ok(smaps.privateBytes! <= status.rssBytes! + 4096);
  assert.equal(status.rssBytes! % 1024, 0);
  // The fixture's AnonHugePages line (150 MiB of the guest's RAM on transparent huge pages), in bytes.
  assert.equal(smaps.anonHugeBytes, 153600 * 1024);
  assert.ok(smaps.anonHugeBytes! <= status.rssBytes!);
  assert.equal(
    parseSmapsRollup('Pss: 4 kB\n').anonHugeBytes,
    undefined,
    'a kernel without the line: missing, not zero',
  );
});

test('io: read_bytes/write_bytes, not rchar/wchar', () => {
  const io = parseProcIo(
    'rchar: 100\nwchar: 200\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n',
  );
  assert.deepEqual(io, { readBytes: 4096, writeBytes: 8192 });
  assert.ok(parseProcIo(fixture('proc-host', 'container.io')).readBytes !== undefined);
});

test("statm's resident pages are status's VmRSS: read both of this process at once", () => {
  const page = pageSizeBytes(readFileSync('/proc/self/auxv'));
  assert.ok([4096, 16384, 65536].includes(page), `page size ${page}`);
  // The two reads are microseconds apart; RSS may move by a few pages between them.
  const statm = parseProcStatm(readFileSync('/proc/self/statm', 'utf8'), page)!;
  const status = parseProcStatus(readFileSync('/proc/self/status', 'utf8')).rssBytes!;
  assert.ok(Math.abs(statm - status) <= 64 * page, `statm ${statm} vs VmRSS ${status}`);
  assert.equal(parseProcStatm('12 x 3', 4096), undefined);
  assert.equal(parseProcStatm('', 4096), undefined);
  assert.equal(pageSizeBytes(Buffer.alloc(0)), 4096);
});
