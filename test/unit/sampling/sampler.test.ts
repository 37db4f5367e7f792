import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { Sampler } from '../../../src/sampling/sampler.js';

/** A v1 trial group laid out from files recorded on a real v1 host (test/fixtures/cgroup-v1-host). */
function v1Group(options: { childGroup: boolean }): { memory: string; cpuacct: string; blkio: string } {
  const root = mkdtempSync(join(tmpdir(), 'twinbench-v1-'));
  const recorded = join(packageRoot, 'test', 'fixtures', 'cgroup-v1-host');
  const dirs = { memory: join(root, 'memory'), cpuacct: join(root, 'cpuacct'), blkio: join(root, 'blkio') };
  for (const dir of Object.values(dirs)) {
    cpSync(recorded, dir, { recursive: true });
    writeFileSync(join(dir, 'cgroup.procs'), '');
    if (options.childGroup) mkdirSync(join(dir, 'container'));
  }
  return dirs;
}

async function sampleOnce(dirs: { memory: string; cpuacct: string; blkio: string }) {
  const sampler = new Sampler({ cgroup: { version: 1, dirs } }, { intervalMs: 1000, tickSeconds: 0.01, origin: 0 });
  await sampler.sampleNow('end');
  return { series: await sampler.stop(), missingReasons: sampler.missingReasons };
}

test('v1: a trial group whose guest group still exists reads its I/O, CPU and kernel memory high-water mark', async () => {
  const { series, missingReasons } = await sampleOnce(v1Group({ childGroup: true }));
  assert.ok((series.columns['cgroup.io_write_bytes']?.values[0] ?? 0) >= 16 * 1024 * 1024);
  assert.ok((series.columns['cgroup.memory_peak_bytes']?.values[0] ?? 0) > 0);
  assert.equal(series.columns['cgroup.memory_peak_bytes']?.source, 'cgroup.v1.memory.max_usage_in_bytes');
  assert.deepEqual(missingReasons, {});
});

test("v1: once the runtime removed the guest's group, I/O is missing with the reason, never the parent's shrunken total", async () => {
  const { series, missingReasons } = await sampleOnce(v1Group({ childGroup: false }));
  assert.equal(series.columns['cgroup.io_write_bytes']?.values[0], null);
  assert.match(missingReasons['cgroup.io_write_bytes'] ?? '', /removed child group's I\/O/);
  // CPU time and the memory high-water mark are hierarchical and survive a removed child.
  assert.ok((series.columns['cgroup.cpu_seconds']?.values[0] ?? 0) > 0);
  assert.ok((series.columns['cgroup.memory_peak_bytes']?.values[0] ?? 0) > 0);
});
