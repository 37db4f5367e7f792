import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { missingOciRuntime } from '../../../../src/runtimes/docker/engine-backend.js';
import { crunHybridProblem } from '../../../../src/runtimes/docker-crun/index.js';

test('crun on a hybrid host: refused while the unified hierarchy holds a controller, fine without one or on pure v2', async () => {
  const unified = mkdtempSync(join(tmpdir(), 'twinbench-unified-'));
  writeFileSync(join(unified, 'cgroup.controllers'), 'hugetlb\n');
  assert.match(
    String(await crunHybridProblem('docker-crun', unified)),
    /cgroup v2 hierarchy holds controllers \(hugetlb\): mount each as a v1 hierarchy \(mount -t cgroup -o hugetlb cgroup \/sys\/fs\/cgroup\/hugetlb/,
  );
  writeFileSync(join(unified, 'cgroup.controllers'), '\n');
  assert.equal(await crunHybridProblem('docker-crun', unified), undefined);
  assert.equal(await crunHybridProblem('docker-crun', join(unified, 'absent')), undefined);
});

test('an engine without the OCI runtime: one line naming the runtime, what the engine has, and how to add it', () => {
  const line = missingOciRuntime('docker-crun', 'crun', ['runc']);
  assert.match(
    line,
    /^docker-crun: the Docker engine has no "crun" OCI runtime \(it has runc\): install crun .*--add-runtime crun=\/usr\/bin\/crun.*restart dockerd/,
  );
  assert.ok(!line.includes('\n'));
});
