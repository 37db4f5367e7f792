import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBlkioThrottle, parseCgroupV1 } from '../../../src/sampling/cgroup-v1.js';
import { parseIoStat } from '../../../src/sampling/cgroup-v2.js';
import { fixture } from '../../helpers.js';

const dir = 'cgroup-v1-host';

test('v1 container files from this host parse into a consistent reading', () => {
  const reading = parseCgroupV1({
    memoryUsage: fixture(dir, 'memory.usage_in_bytes'),
    memoryMaxUsage: fixture(dir, 'memory.max_usage_in_bytes'),
    memoryStat: fixture(dir, 'memory.stat'),
    cpuacctUsage: fixture(dir, 'cpuacct.usage'),
    cpuacctStat: fixture(dir, 'cpuacct.stat'),
    blkioBytes: fixture(dir, 'blkio.throttle.io_service_bytes_recursive'),
    blkioOps: fixture(dir, 'blkio.throttle.io_serviced_recursive'),
  });
  assert.equal(reading.memoryUsageBytes, Number(fixture(dir, 'memory.usage_in_bytes').trim()));
  assert.ok(reading.memoryPeakBytes! >= reading.memoryUsageBytes!);
  assert.ok(reading.workingSetBytes! <= reading.memoryUsageBytes!);
  assert.equal(reading.workingSetBytes, reading.memoryUsageBytes! - reading.inactiveFileBytes!);
  // The container ran sysbench for 2 s: cpuacct.usage (ns) and the tick counts must agree within ticks.
  assert.ok(reading.cpuUsageSeconds! > 1.5 && reading.cpuUsageSeconds! < 10, `cpu ${reading.cpuUsageSeconds}`);
  const ticks = reading.cpuUserSeconds! + reading.cpuSystemSeconds!;
  assert.ok(Math.abs(ticks - reading.cpuUsageSeconds!) < 0.2, `ticks ${ticks} vs usage ${reading.cpuUsageSeconds}`);
  // It wrote 16 MiB with O_DIRECT.
  assert.ok(reading.ioWriteBytes! >= 16 * 1024 * 1024, `write ${reading.ioWriteBytes}`);
  assert.ok(reading.ioWriteOps! > 0);
});

test('blkio totals ignore Sync/Async/Total lines and sum Read/Write over devices', () => {
  const text = '8:0 Read 100\n8:0 Write 5\n8:0 Sync 105\n8:0 Total 105\n8:16 Read 1\n8:16 Write 2\nTotal 108\n';
  assert.deepEqual(parseBlkioThrottle(text), { read: 101, write: 7 });
});

test('a stacked device is summed once: the lines of the devices below it are left out, any other device kept', () => {
  // 254:0 is a device-mapper volume on 8:16; the kernel charges each bio to both. 8:32 is a disk nobody foresaw.
  const text = '254:0 Read 4096\n254:0 Write 8192\n8:16 Read 4096\n8:16 Write 8192\n8:32 Read 1\nTotal 24577\n';
  assert.deepEqual(parseBlkioThrottle(text), { read: 8193, write: 16384 });
  assert.deepEqual(parseBlkioThrottle(text, new Set(['8:16'])), { read: 4097, write: 8192 });
  assert.equal(parseBlkioThrottle('8:16 Read 1\nTotal 1\n', new Set(['8:16'])), undefined);
  assert.equal(
    parseIoStat(
      '254:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n8:16 rbytes=4096 wbytes=8192 rios=1 wios=2\n',
      new Set(['8:16']),
    )?.wbytes,
    8192,
  );
});

test('a blkio file listing no device is "not measured", never zero', () => {
  assert.equal(parseBlkioThrottle('Total 0\n'), undefined);
  const reading = parseCgroupV1({ blkioBytes: 'Total 0\n', blkioOps: 'Total 0\n' });
  assert.equal(reading.ioReadBytes, undefined);
  assert.equal(reading.ioWriteOps, undefined);
});

test('files that could not be read give undefined fields', () => {
  const reading = parseCgroupV1({});
  assert.deepEqual(
    Object.values(reading).filter((value) => value !== undefined),
    [],
  );
});
