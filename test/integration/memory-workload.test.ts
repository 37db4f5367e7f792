import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../../src/results/schema.js';
import type { CompletedTrial } from '../../src/results/types.js';
import { assertAllCompleted, leftovers, readResult, runBench } from './helpers.js';

// What twinbench controls, not what the CPU does: that RAM is slower than a cache is the hardware's business,
// and bench/memory-figures.ts measures it (on a host with a large L3, a store stream to RAM runs at 0.88× the
// cache-resident one). Here: each pass is measured in every runtime, each source names its block and access
// mode, the RAM block is far beyond the recorded L3, and the kernel-heavy workload's three figures arrive. The same
// run is the native baseline's test: the same binaries natively, in Docker and in QEMU, sampled alike, with ratios
// to native in the report (one run of the three runtimes serves both).
test('memory, kernel and cpu workloads natively, in Docker and in QEMU: every pass measured, sources naming block and access mode, the RAM block far beyond the recorded L3; the native baseline sampled alike, ratios to native in the report', {
  timeout: 600_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-memory-'));
  const suite = join(out, 'memory.json');
  const runtimes = ['native', 'docker', 'qemu'];
  writeFileSync(
    suite,
    JSON.stringify({
      name: 'memory',
      runtimes,
      workloads: [
        // 2 s a pass: enough to write the whole 256 MiB block in every runtime (under TCG too), and the host-paid
        // peak counts every row (a container's shim PSS as last read), so short passes are seen.
        { name: 'memory', reps: 1, params: { duration_s: 2 } },
        { name: 'memory-cache', reps: 1, params: { duration_s: 1 } },
        { name: 'kernel', reps: 1, params: { duration_s: 1 } },
        { name: 'cpu', reps: 1, params: { duration_s: 3 } },
      ],
    }),
  );
  const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all);
  const { result, path } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assertAllCompleted(result, 4 * runtimes.length);
  const figure = (runtime: string, workload: string, name: string) => {
    const trial = result.trials.find(
      (t): t is CompletedTrial => t.state === 'completed' && t.runtime === runtime && t.workload === workload,
    );
    const metric = trial?.metrics.find((m) => m.name === name);
    assert.ok(metric, `${runtime}/${workload}: no ${name}`);
    assert.ok(metric.value > 0 && Number.isFinite(metric.value), `${runtime}/${workload}/${name} = ${metric.value}`);
    return metric;
  };
  for (const runtime of runtimes) {
    // The block size and access mode are part of each figure's definition: bench check refuses to compare two of them.
    for (const [workload, block] of [
      ['memory', '256M'],
      ['memory-cache', '1M'],
    ] as const) {
      // …and so is the guest's transparent huge page mode (its own kernel's in QEMU, the host's elsewhere).
      const thp = `thp_(always|madvise|never)`;
      assert.match(
        figure(runtime, workload, 'bandwidth_mib_per_s').source,
        new RegExp(`^guest\\.sysbench\\.memory\\.write\\.block_${block}\\.${thp}$`),
      );
      assert.match(
        figure(runtime, workload, 'read_bandwidth_mib_per_s').source,
        new RegExp(`^guest\\.sysbench\\.memory\\.read\\.block_${block}\\.${thp}$`),
      );
      const random = figure(runtime, workload, 'random_write_mib_per_s');
      assert.match(random.source, new RegExp(`^guest\\.sysbench\\.memory\\.write\\.rnd\\.block_${block}\\.${thp}$`));
      assert.equal(random.keyFigure, true);
    }
    for (const [name, stressor, unit] of [
      ['page_faults_per_s', 'fault', 'faults/s'],
      ['processes_per_s', 'exec', 'processes/s'],
      ['context_switches_per_s', 'switch', 'switches/s'],
    ] as const) {
      const metric = figure(runtime, 'kernel', name);
      assert.equal(
        metric.source,
        stressor === 'fault'
          ? 'guest.stress-ng.fault.minor_page_faults_per_s'
          : `guest.stress-ng.${stressor}.bogo_ops_per_s`,
      );
      assert.equal(metric.unit, unit);
    }
  }
  // How much of each guest's memory the host mapped with transparent huge pages is sampled for every runtime,
  // and never exceeds what it holds; QEMU's RAM (madvised by QEMU) has some wherever the host's THP is not "never".
  for (const runtime of runtimes) {
    const trial = result.trials.find(
      (t): t is CompletedTrial => t.state === 'completed' && t.runtime === runtime && t.workload === 'memory',
    )!;
    const huge = trial.resources['guest.anon_huge_bytes'];
    assert.equal(huge?.source, 'proc.smaps_rollup.AnonHugePages', `${runtime}: anon_huge_bytes sampled`);
    assert.ok(
      huge.peak! >= 0 && huge.peak! <= trial.resources['guest.rss_bytes']!.peak!,
      `${runtime}: ${huge.peak} B in huge pages`,
    );
    if (runtime === 'qemu' && result.host.fingerprint?.thp !== undefined && result.host.fingerprint.thp !== 'never')
      assert.ok(huge.peak! > 0, `QEMU's RAM under host THP ${result.host.fingerprint.thp}: no huge page`);
  }
  // /tmp is a tmpfs in a container too, as natively and in a VM: the kernel workload's file pages live there.
  assert.match(String(result.runtimes.docker?.info.tmp), /^a tmpfs at \/tmp/);
  const l3 = result.host.cpu.cacheBytes?.l3;
  assert.ok(l3 === undefined || l3 < (256 * 2 ** 20) / 4, `the 256 MiB block is far larger than the ${l3} B L3`);

  await nativeBaseline(result, path);
  assert.deepEqual(await leftovers(), []);
});

/** What the native baseline promises, read from the same run: isolation as recorded, the memory model, the cgroup, the ratios. */
async function nativeBaseline(result: ReturnType<typeof readResult>['result'], path: string): Promise<void> {
  assert.match(result.runtimes.native?.info.isolation as string, /chroot/);
  // Every native trial ran in its own overlay of the tree (a failed mount errors the trial: exit 98).
  assert.match(result.runtimes.native?.info.rootfsPerTrial as string, /^a fresh overlayfs per trial/);
  const trials = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  const metric = (runtime: string, workload: string) =>
    trials.find((t) => t.runtime === runtime && t.workload === workload)?.metrics[0];
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
    const [pays, uses, overhead] = ['host_pays', 'guest_uses', 'overhead'].map(
      (name) => trial.resources[`memory.${name}_bytes`],
    );
    assert.match(
      uses?.source ?? '',
      runtime === 'qemu' ? /meminfo/ : /cgroup/,
      `${runtime}: where the guest's view comes from`,
    );
    for (const at of ['atReady', 'atExit'] as const) {
      assert.equal(overhead![at], pays![at]! - uses![at]!);
      assert.ok(uses![at]! > 0, `${runtime} ${at}: uses ${uses![at]}`);
      // Natively both sides read the same cgroup a few milliseconds apart: no runtime, an overhead near zero
      // (the file pages the guest could drop) that may come out slightly negative.
      if (runtime === 'native')
        assert.ok(Math.abs(overhead![at]!) < 4 * 2 ** 20, `native ${at}: overhead ${overhead![at]}`);
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
  const report = await runBench(['report', path]);
  assert.match(
    report.stdout,
    /\| native \| container: Docker \(runc\) \| VM: QEMU \| Docker \(runc\) vs native \| QEMU vs native \| QEMU vs Docker \(runc\) \|/,
  );
  // One repetition: a median without an interval ([—]), and cost factors against native.
  assert.match(report.stdout, /### Memory model[\s\S]*\| VM: QEMU \(memory\) \| [\d.]+ MiB \[—\] n=1 \| [\d.]+ MiB/);
  assert.match(
    report.stdout,
    /\| memory \| bandwidth_mib_per_s \(MiB\/s, higher is better\) \| [\d.]+ \[—\] n=1 \| [\d.]+ \[—\] n=1 \| [\d.]+ \[—\] n=1 \| [\d.]+× \[—\] \| [\d.]+× \[—\] \|/,
  );
}
