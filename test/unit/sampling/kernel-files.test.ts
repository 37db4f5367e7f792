import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeCgroupTree } from '../../../src/host/harness-cgroup.js';
import { KernelFiles } from '../../../src/sampling/kernel-files.js';
import { parseCgroupMounts } from '../../../src/sampling/cgroup-paths.js';

test("a process that joins a real cgroup after the sampler's first read of it is seen at the next read (v1 keeps a pid list per open file)", async () => {
  const mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  const root = mounts.v1.get('memory') ?? mounts.v2;
  assert.ok(root, 'no memory cgroup hierarchy is mounted');
  const group = join(root, `twinbench-unit-${process.pid}`);
  mkdirSync(group);
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const files = new KernelFiles();
  try {
    assert.deepEqual(files.readTree(group).pids, []);
    writeFileSync(join(group, 'cgroup.procs'), String(sleeper.pid));
    // Within the kernel's one-second reuse of a v1 pid list: a kept descriptor would still show none.
    await sleep(100);
    assert.deepEqual(files.readTree(group, { list: false }).pids, [sleeper.pid]);
  } finally {
    files.close();
    sleeper.kill('SIGKILL');
    await new Promise((resolve) => sleeper.once('exit', resolve));
    await removeCgroupTree(group);
  }
});
