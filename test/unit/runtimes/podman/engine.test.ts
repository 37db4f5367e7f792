import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onPath, parseHostPackages } from '../../../../src/runtimes/host-packages.js';
import { parseLimits, podmanEngine, podmanSocket } from '../../../../src/runtimes/podman/engine.js';
import { runtimeByName } from '../../../../src/runtimes/table.js';

test("podman's socket: CONTAINER_HOST's unix:// path, else /run/podman/podman.sock", () => {
  assert.equal(podmanSocket({ CONTAINER_HOST: 'unix:///tmp/p.sock' }), '/tmp/p.sock');
  assert.equal(podmanSocket({}), '/run/podman/podman.sock');
  // A remote (ssh://) service is not one this host's cgroups can measure.
  assert.equal(podmanSocket({ CONTAINER_HOST: 'ssh://root@lab/run/podman/podman.sock' }), '/run/podman/podman.sock');
});

test('/proc/PID/limits: open files and processes as (soft, hard); unlimited ones are left out', () => {
  const text = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             32768                32768                processes ',
    'Max open files            20000                40000                files     ',
    'Max locked memory         unlimited            unlimited            bytes     ',
  ].join('\n');
  assert.deepEqual(parseLimits(text), { nofile: [20000, 40000], nproc: [32768, 32768] });
  assert.deepEqual(parseLimits('Max open files            unlimited            unlimited            files'), {});
});

test("conmon is inside the trial's group under the cgroupfs manager only; containerd's shim never is", () => {
  const engine = podmanEngine('/nonexistent.sock');
  assert.equal(engine.helperPlacement('cgroupfs').insideTrialGroup, true);
  assert.equal(engine.helperPlacement('systemd').insideTrialGroup, false);
  assert.equal(engine.shimComm, 'conmon');
  assert.equal(engine.tagAfterImport, true);
});

test('the podman entry: a container of its own label, host packages from its folder, netavark by absolute path', () => {
  const entry = runtimeByName('podman');
  assert.ok(entry);
  assert.equal(entry.kind, 'container');
  assert.equal(entry.label, 'Podman (crun)');
  const packages = parseHostPackages(
    'any /usr/lib/podman/netavark netavark the network backend\nany podman podman the engine',
    'amd64',
    'test',
  );
  assert.deepEqual(
    packages.map((p) => p.command),
    ['/usr/lib/podman/netavark', 'podman'],
  );
  assert.equal(onPath('/bin/sh'), true);
  assert.equal(onPath('/nonexistent/netavark'), false);
});
