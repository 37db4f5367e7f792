import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  listCgroupMountPoints,
  locateCgroup,
  parseCgroupMounts,
  parseProcCgroup,
} from '../../../src/sampling/cgroup-paths.js';
import { fixture } from '../../helpers.js';

test('hybrid host (v1 controllers + empty cgroup2): a container is located in v1, per controller', () => {
  const mounts = parseCgroupMounts(fixture('cgroup-v1-host', 'proc-self-mountinfo'));
  assert.equal(mounts.v1.get('memory'), '/sys/fs/cgroup/memory');
  assert.equal(mounts.v1.get('cpuacct'), '/sys/fs/cgroup/cpuacct');
  assert.ok(mounts.v2, 'the unified mount is seen too');
  const location = locateCgroup(fixture('cgroup-v1-host', 'proc-pid-cgroup'), mounts);
  assert.equal(location?.version, 1);
  if (location?.version !== 1) return;
  assert.match(location.dirs.memory ?? '', /^\/sys\/fs\/cgroup\/memory\/docker\/[0-9a-f]{64}$/);
  assert.match(location.dirs.cpuacct ?? '', /^\/sys\/fs\/cgroup\/cpuacct\/docker\//);
  assert.match(location.dirs.blkio ?? '', /^\/sys\/fs\/cgroup\/blkio\/docker\//);
});

test('pure v2 (the guest kernel): located in the unified tree', () => {
  const mounts = parseCgroupMounts(fixture('cgroup-v2-guest', 'proc-self-mountinfo'));
  assert.equal(mounts.v1.size, 0);
  const location = locateCgroup(fixture('cgroup-v2-guest', 'proc-self-cgroup'), mounts);
  assert.deepEqual(location, { version: 2, dir: '/cg/guest' });
});

test('comounted v1 controllers (cpu,cpuacct) map each name to the same mount', () => {
  const mountinfo =
    '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n';
  const mounts = parseCgroupMounts(mountinfo);
  assert.equal(mounts.v1.get('cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
  const paths = parseProcCgroup('5:cpu,cpuacct:/a\n4:memory:/a\n');
  assert.equal(paths.get('cpuacct'), '/a');
  const location = locateCgroup('5:cpu,cpuacct:/a\n4:memory:/a\n', mounts);
  assert.deepEqual(location, {
    version: 1,
    dirs: { memory: '/sys/fs/cgroup/memory/a', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/a' },
  });
});

test('no cgroup mounts: the process cannot be located', () => {
  assert.equal(locateCgroup('0::/x\n', { v1: new Map(), v2: undefined }), undefined);
});

test('every cgroup mount point is listed, whatever its controllers (runtimes make groups in all of them)', () => {
  const points = listCgroupMountPoints(fixture('cgroup-v1-host', 'proc-self-mountinfo'));
  assert.ok(points.includes('/sys/fs/cgroup/memory'), points.join(' '));
  assert.ok(
    points.some((point) => /cpuset|devices|freezer/.test(point)),
    points.join(' '),
  );
  assert.ok(
    points.every((point) => point.startsWith('/sys/fs/cgroup')),
    points.join(' '),
  );
});
