import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CompletedTrial } from '../../src/results/types.js';
import { assertAllCompleted, readResult, runBench } from './helpers.js';

test('the memory workload reaches RAM: its bandwidth is clearly below the cache-resident variant\'s, and the host\'s L3 is recorded', { timeout: 240_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-memory-'));
  const suite = join(out, 'memory.json');
  writeFileSync(suite, JSON.stringify({
    name: 'memory',
    runtimes: ['docker'],
    workloads: [
      { name: 'memory', reps: 1, params: { duration_s: 3 } },
      { name: 'memory-cache', reps: 1, params: { duration_s: 3 } },
    ],
  }));
  const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assertAllCompleted(result, 2);
  const bandwidth = (workload: string) => {
    const trial = result.trials.find((t): t is CompletedTrial => t.state === 'completed' && t.workload === workload);
    const metric = trial?.metrics.find((m) => m.name === 'bandwidth_mib_per_s');
    assert.ok(metric, `${workload}: no bandwidth`);
    return metric;
  };
  const ram = bandwidth('memory');
  const cache = bandwidth('memory-cache');
  // The block size is part of the figure's definition: bench check refuses to compare the two.
  assert.equal(ram.source, 'guest.sysbench.memory.write.block_256M');
  assert.equal(cache.source, 'guest.sysbench.memory.write.block_1M');
  const l3 = result.host.cpu.cacheBytes?.l3;
  assert.ok(l3 === undefined || l3 < 256 * 2 ** 20 / 4, `the 256 MiB block is far larger than the ${l3} B L3`);
  assert.ok(ram.value < 0.8 * cache.value, `RAM ${ram.value} MiB/s against cache-resident ${cache.value} MiB/s`);
});
