import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CompletedTrial } from '../../src/results/types.js';
import { assertAllCompleted, readResult, runBench } from './helpers.js';

// What twinbench controls, not what the CPU does: that RAM is slower than a cache is the hardware's business,
// and bench/memory-figures.ts measures it (on a host with a large L3, a store stream to RAM runs at 0.88× the
// cache-resident one). Here: each pass is measured in every runtime, each source names its block and access
// mode, the RAM block is far beyond the recorded L3, and the kernel-heavy workload's three figures arrive.
test('memory and kernel workloads: every pass measured in every runtime, sources naming block and access mode, the RAM block far beyond the recorded L3', { timeout: 600_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-memory-'));
  const suite = join(out, 'memory.json');
  const runtimes = ['native', 'docker', 'qemu'];
  writeFileSync(suite, JSON.stringify({
    name: 'memory',
    runtimes,
    workloads: [
      { name: 'memory', reps: 1, params: { duration_s: 1 } },
      { name: 'memory-cache', reps: 1, params: { duration_s: 1 } },
      { name: 'kernel', reps: 1, params: { duration_s: 1 } },
    ],
  }));
  const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assertAllCompleted(result, 3 * runtimes.length);
  const figure = (runtime: string, workload: string, name: string) => {
    const trial = result.trials.find((t): t is CompletedTrial => t.state === 'completed' && t.runtime === runtime && t.workload === workload);
    const metric = trial?.metrics.find((m) => m.name === name);
    assert.ok(metric, `${runtime}/${workload}: no ${name}`);
    assert.ok(metric.value > 0 && Number.isFinite(metric.value), `${runtime}/${workload}/${name} = ${metric.value}`);
    return metric;
  };
  for (const runtime of runtimes) {
    // The block size and access mode are part of each figure's definition: bench check refuses to compare two of them.
    for (const [workload, block] of [['memory', '256M'], ['memory-cache', '1M']] as const) {
      assert.equal(figure(runtime, workload, 'bandwidth_mib_per_s').source, `guest.sysbench.memory.write.block_${block}`);
      assert.equal(figure(runtime, workload, 'read_bandwidth_mib_per_s').source, `guest.sysbench.memory.read.block_${block}`);
      const random = figure(runtime, workload, 'random_write_mib_per_s');
      assert.equal(random.source, `guest.sysbench.memory.write.rnd.block_${block}`);
      assert.equal(random.keyFigure, true);
    }
    for (const [name, stressor, unit] of [['page_faults_per_s', 'fault', 'faults/s'], ['processes_per_s', 'exec', 'processes/s'], ['context_switches_per_s', 'switch', 'switches/s']] as const) {
      const metric = figure(runtime, 'kernel', name);
      assert.equal(metric.source, stressor === 'fault' ? 'guest.stress-ng.fault.minor_page_faults_per_s' : `guest.stress-ng.${stressor}.bogo_ops_per_s`);
      assert.equal(metric.unit, unit);
    }
  }
  const l3 = result.host.cpu.cacheBytes?.l3;
  assert.ok(l3 === undefined || l3 < 256 * 2 ** 20 / 4, `the 256 MiB block is far larger than the ${l3} B L3`);
});
