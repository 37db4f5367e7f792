import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeIoAccounting, ioDevicesOf, splitDevNumber } from '../../../src/host/block-device.js';

/** A sysfs block entry: its dev numbers, its /dev name, and optionally a partition flag. */
function entry(dir: string, dev: string, name: string, partition = false): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dev'), `${dev}\n`);
  writeFileSync(join(dir, 'uevent'), `MAJOR=${dev.split(':')[0]}\nDEVNAME=${name}\n`);
  if (partition) writeFileSync(join(dir, 'partition'), '2\n');
}

test('a folder on a device-mapper volume: rules on the volume and the disk below it, I/O summed on the volume only', async () => {
  // A fake /sys in which the temporary folder's own device is dm-0, stacked on the partition sdb2 of sdb.
  const sys = mkdtempSync(join(tmpdir(), 'twinbench-sys-'));
  const folder = mkdtempSync(join(tmpdir(), 'twinbench-io-'));
  const { major, minor } = splitDevNumber(statSync(folder).dev);
  const top = join(sys, 'devices', 'virtual', 'dm-0');
  entry(top, `${major}:${minor}`, 'dm-0');
  mkdirSync(join(top, 'slaves'));
  entry(join(sys, 'devices', 'sdb'), '8:16', 'sdb');
  entry(join(sys, 'devices', 'sdb', 'sdb2'), '8:18', 'sdb2', true);
  mkdirSync(join(sys, 'dev', 'block'), { recursive: true });
  mkdirSync(join(sys, 'class', 'block'), { recursive: true });
  symlinkSync(top, join(sys, 'dev', 'block', `${major}:${minor}`));
  symlinkSync(join(sys, 'devices', 'sdb', 'sdb2'), join(sys, 'class', 'block', 'sdb2'));
  writeFileSync(join(top, 'slaves', 'sdb2'), '');
  const devices = await ioDevicesOf([folder, folder], sys);
  assert.deepEqual(
    devices?.counted.map((d) => d.devPath),
    ['/dev/dm-0'],
  );
  assert.deepEqual(
    devices?.ruled.map((d) => `${d.devPath} ${d.major}:${d.minor}`),
    [`/dev/dm-0 ${major}:${minor}`, '/dev/sdb 8:16'],
  );
  assert.deepEqual(
    devices?.below.map((d) => d.devPath),
    ['/dev/sdb'],
  );
  assert.equal(
    describeIoAccounting(devices),
    'cgroup v1 with a non-limiting throttle rule on /dev/dm-0, /dev/sdb; /dev/sdb left out of the sums (below a stacked device: its I/O again)',
  );
});

test('a plain disk is ruled and counted alike; a folder on no block device gives none', async () => {
  const sys = mkdtempSync(join(tmpdir(), 'twinbench-sys-'));
  const folder = mkdtempSync(join(tmpdir(), 'twinbench-io-'));
  const { major, minor } = splitDevNumber(statSync(folder).dev);
  entry(join(sys, 'devices', 'vda'), `${major}:${minor}`, 'vda');
  mkdirSync(join(sys, 'dev', 'block'), { recursive: true });
  symlinkSync(join(sys, 'devices', 'vda'), join(sys, 'dev', 'block', `${major}:${minor}`));
  const devices = await ioDevicesOf([folder], sys, 2);
  assert.deepEqual(devices?.counted, devices?.ruled);
  assert.deepEqual(devices?.below, []);
  assert.equal(describeIoAccounting(devices), 'cgroup v2 io.stat on /dev/vda');
  assert.equal(await ioDevicesOf(['/proc'], sys), undefined);
});
