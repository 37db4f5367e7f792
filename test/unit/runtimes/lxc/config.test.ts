import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderLxcConfig } from '../../../../src/runtimes/lxc/config.js';

/** The value of every line with this key, in order. */
function values(config: string, key: string): string[] {
  return config
    .split('\n')
    .filter((line) => line.startsWith(`${key} =`))
    .map((line) => line.slice(key.length + 2).trim());
}

test('a trial with ports: the overlay over the shared tree, its groups below the trial group, a veth on the bridge', () => {
  const config = renderLxcConfig({
    rootfs: '/cache/runs/r/lxc-rootfs',
    upper: '/cache/runs/r/lxc/lxc-redis-1/upper',
    cgroupPath: '/twinbench/r-lxc-redis-1',
    commonConf: '/usr/share/lxc/config/common.conf',
    net: { bridge: 'tb-ab12', hostSide: 'tb-ab12-3', cidr: '10.213.18.5/24', mac: '52:54:00:d5:12:05' },
  });
  assert.deepEqual(values(config, 'lxc.include'), ['/usr/share/lxc/config/common.conf']);
  assert.deepEqual(values(config, 'lxc.rootfs.path'), [
    'overlay:/cache/runs/r/lxc-rootfs:/cache/runs/r/lxc/lxc-redis-1/upper',
  ]);
  assert.deepEqual(values(config, 'lxc.cgroup.dir.container'), ['twinbench/r-lxc-redis-1/payload']);
  assert.deepEqual(values(config, 'lxc.cgroup.dir.monitor'), ['twinbench/r-lxc-redis-1/monitor']);
  // The common configuration's automounts are cleared first, then the container gets its own, cgroups read-only.
  assert.deepEqual(values(config, 'lxc.mount.auto'), ['', 'proc:mixed sys:mixed cgroup:ro:force']);
  assert.ok(
    config.indexOf('lxc.include') < config.indexOf('lxc.mount.auto ='),
    'the include comes first, so what follows overrides it',
  );
  assert.deepEqual(values(config, 'lxc.net.0.type'), ['veth']);
  assert.deepEqual(values(config, 'lxc.net.0.link'), ['tb-ab12']);
  assert.deepEqual(values(config, 'lxc.net.0.veth.pair'), ['tb-ab12-3']);
  assert.deepEqual(values(config, 'lxc.net.0.ipv4.address'), ['10.213.18.5/24 10.213.18.255']);
  assert.deepEqual(values(config, 'lxc.mount.entry'), []);
});

test('a trial without ports gets loopback only; a scratch folder is bind-mounted; no common configuration when the host has none', () => {
  const config = renderLxcConfig({
    rootfs: '/tree',
    cgroupPath: '/twinbench_x.slice',
    scratchDir: '/cache/runs/r/scratch/lxc-disk-1',
  });
  assert.deepEqual(values(config, 'lxc.include'), []);
  assert.deepEqual(values(config, 'lxc.rootfs.path'), ['dir:/tree']);
  assert.deepEqual(values(config, 'lxc.cgroup.dir.container'), ['twinbench_x.slice/payload']);
  assert.deepEqual(values(config, 'lxc.net.0.type'), ['empty']);
  assert.deepEqual(values(config, 'lxc.mount.entry'), [
    '/cache/runs/r/scratch/lxc-disk-1 scratch none bind,create=dir 0 0',
  ]);
});

test('a value that would break the file (a line break, or a blank in a mount entry) is refused, not written', () => {
  assert.throws(
    () => renderLxcConfig({ rootfs: '/tree\nlxc.init.cmd = /bin/evil', cgroupPath: '/twinbench/x' }),
    /lxc\.rootfs\.path would span lines/,
  );
  assert.throws(
    () => renderLxcConfig({ rootfs: '/tree', cgroupPath: '/twinbench/x', scratchDir: '/my scratch' }),
    /lxc\.mount\.entry: .*blank/,
  );
});

test("a user's image: its env as lxc.environment lines, its numeric user, group and working dir, stopped by SIGTERM", () => {
  const config = renderLxcConfig({
    rootfs: '/tree',
    upper: '/trial/upper',
    cgroupPath: '/twinbench/x',
    image: { env: ['PATH=/usr/bin:/bin', 'GREETING=a b=c'], uid: 65534, gid: 65534, workingDir: '/www' },
  });
  assert.deepEqual(values(config, 'lxc.environment'), ['PATH=/usr/bin:/bin', 'GREETING=a b=c']);
  assert.deepEqual(values(config, 'lxc.init.uid'), ['65534']);
  assert.deepEqual(values(config, 'lxc.init.gid'), ['65534']);
  assert.deepEqual(values(config, 'lxc.init.cwd'), ['/www']);
  assert.deepEqual(values(config, 'lxc.signal.halt'), ['SIGTERM']);
  assert.throws(
    () =>
      renderLxcConfig({
        rootfs: '/tree',
        cgroupPath: '/twinbench/x',
        image: { env: ['A=1\nlxc.apparmor.profile = unconfined'], uid: 0, gid: 0, workingDir: '/' },
      }),
    /lxc\.environment would span lines/,
  );
});
