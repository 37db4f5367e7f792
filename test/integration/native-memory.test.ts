import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../../src/results/schema.js';
import type { CompletedTrial } from '../../src/results/types.js';
import { leftovers, readResult, runBench } from './helpers.js';

test('native baseline + memory and cpu workloads: same binaries, sampled alike, ratios to native in the report', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-native-'));
  const run = await runBench(['all', '--runtimes', 'native,docker,qemu', '--workloads', 'cpu,memory', '--reps', '1', '--suite', 'quick', '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assert.match(result.runtimes.native?.info.isolation as string, /chroot/);
  // Every native trial ran in its own overlay of the tree (a failed mount errors the trial: exit 98).
  assert.match(result.runtimes.native?.info.rootfsPerTrial as string, /^a fresh overlayfs per trial/);
  const trials = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  assert.equal(trials.length, 6);
  const metric = (runtime: string, workload: string) => trials.find((t) => t.runtime === runtime && t.workload === workload)?.metrics[0];
  for (const runtime of ['native', 'docker', 'qemu']) {
    const bandwidth = metric(runtime, 'memory');
    assert.equal(bandwidth?.unit, 'MiB/s');
    assert.ok(bandwidth!.value > 10, `${runtime} memory bandwidth ${bandwidth?.value}`);
    assert.ok(metric(runtime, 'cpu')!.value > 0);
  }
  // The memory model, the same three figures in every runtime: the guest's own view is below what the host
  // pays, the overhead is their difference, and the 256 MiB block the workload writes is paid for in each.
  for (const runtime of ['native', 'docker', 'qemu']) {
    const trial = trials.find((t) => t.runtime === runtime && t.workload === 'memory')!;
    const [pays, uses, overhead] = ['host_pays', 'guest_uses', 'overhead'].map((name) => trial.resources[`memory.${name}_bytes`]);
    assert.match(uses?.source ?? '', runtime === 'qemu' ? /meminfo/ : /cgroup/, `${runtime}: where the guest's view comes from`);
    for (const at of ['atReady', 'atExit'] as const) {
      assert.equal(overhead![at], pays![at]! - uses![at]!);
      assert.ok(uses![at]! > 0, `${runtime} ${at}: uses ${uses![at]}`);
      // Natively both sides read the same cgroup a few milliseconds apart: no runtime, an overhead near zero
      // (the file pages the guest could drop) that may come out slightly negative.
      if (runtime === 'native') assert.ok(Math.abs(overhead![at]!) < 4 * 2 ** 20, `native ${at}: overhead ${overhead![at]}`);
      else assert.ok(uses![at]! < pays![at]!, `${runtime} ${at}: uses ${uses![at]} within pays ${pays![at]}`);
    }
    assert.ok(pays!.peak! > 256 * 2 ** 20, `${runtime}: the host paid for the 256 MiB block (peak ${pays!.peak})`);
  }
  // The native baseline is sampled through its own harness cgroup, like QEMU.
  const native = trials.find((t) => t.runtime === 'native' && t.workload === 'cpu')!;
  assert.ok(native.resources['cgroup.cpu_seconds']!.last! > 1, 'a 3 s sysbench run costs over a CPU-second');
  // Same binaries: a container runs CPU work within a third of native speed even on a loaded CI host.
  const ratio = metric('docker', 'cpu')!.value / metric('native', 'cpu')!.value;
  assert.ok(ratio > 0.66 && ratio < 1.5, `container/native cpu ${ratio}`);
  const report = await runBench(['report', readResult(run.stdout).path]);
  assert.match(report.stdout, /\| native \| container: Docker \(runc\) \| VM: QEMU \| Docker \(runc\) vs native \| QEMU vs native \| QEMU vs Docker \(runc\) \|/);
  // One repetition: a median without an interval ([—]), and cost factors against native.
  assert.match(report.stdout, /### Memory model[^]*\| VM: QEMU \(memory\) \| [\d.]+ MiB \[—\] n=1 \| [\d.]+ MiB/);
  assert.match(report.stdout, /\| memory \| bandwidth_mib_per_s \(MiB\/s, higher is better\) \| [\d.]+ \[—\] n=1 \| [\d.]+ \[—\] n=1 \| [\d.]+ \[—\] n=1 \| [\d.]+× \[—\] \| [\d.]+× \[—\] \|/);
  assert.deepEqual(await leftovers(), []);
});
