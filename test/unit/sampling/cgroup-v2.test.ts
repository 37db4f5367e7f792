import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCgroupV2, parseIoStat } from '../../../src/sampling/cgroup-v2.js';
import { fixture } from '../../helpers.js';

const dir = 'cgroup-v2-guest';

test('v2 files recorded from the 6.1 guest kernel parse into a consistent reading', () => {
  const reading = parseCgroupV2({
    memoryCurrent: fixture(dir, 'memory.current'),
    memoryPeak: fixture(dir, 'memory.peak'),
    memoryStat: fixture(dir, 'memory.stat'),
    cpuStat: fixture(dir, 'cpu.stat'),
    ioStat: fixture(dir, 'io.stat'),
  });
  // The group wrote 8 MiB to tmpfs: file memory, charged to the group.
  assert.ok(reading.fileBytes! >= 8 * 1024 * 1024);
  assert.ok(reading.memoryUsageBytes! >= reading.fileBytes!);
  assert.ok(reading.memoryPeakBytes! >= reading.memoryUsageBytes!);
  assert.equal(reading.workingSetBytes, reading.memoryUsageBytes! - reading.inactiveFileBytes!);
  assert.ok(Math.abs(reading.cpuUserSeconds! + reading.cpuSystemSeconds! - reading.cpuUsageSeconds!) < 0.001);
  // It read 16 MiB from /dev/vda.
  assert.ok(reading.ioReadBytes! >= 16 * 1024 * 1024);
  assert.ok(reading.ioReadOps! > 0);
  assert.equal(reading.ioWriteBytes, 0);
});

test('io.stat sums devices; an empty io.stat is a measured zero on v2', () => {
  assert.deepEqual(
    parseIoStat('8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=5 wbytes=0 rios=1 wios=0\n'),
    {
      rbytes: 15,
      wbytes: 20,
      rios: 2,
      wios: 2,
    },
  );
  assert.deepEqual(parseIoStat(''), { rbytes: 0, wbytes: 0, rios: 0, wios: 0 });
});

test('memory.current of "max" or garbage is undefined, not zero', () => {
  assert.equal(parseCgroupV2({ memoryCurrent: 'max\n' }).memoryUsageBytes, undefined);
  assert.equal(parseCgroupV2({ memoryCurrent: '12abc' }).memoryUsageBytes, undefined);
});
