import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../../src/results/schema.js';
import type { CompletedTrial } from '../../src/results/types.js';
import {
  assertAllCompleted,
  leftovers,
  readResult,
  runBench,
  startBench,
  waitUntil,
  writeSmallWorkloadSuite,
} from './helpers.js';

function libvirtReady(): boolean {
  try {
    execFileSync('virsh', ['-c', 'qemu:///system', 'version'], { stdio: 'ignore' });
    execFileSync('vagrant', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = !libvirtReady() && 'needs vagrant and a running libvirtd (scripts/setup.sh --vagrant)';

/** Tolerance between the sampler and libvirt's own reading, taken within milliseconds of each other. */
const tolerance = 0.05;

test('idle and cpu through a real `vagrant up`: sampler agrees with virsh domstats, Vagrant overhead apart, nothing left', {
  timeout: 600_000,
  skip,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-vagrant-'));
  const run = await runBench([
    'all',
    '--runtimes',
    'vagrant',
    '--workloads',
    'idle,cpu',
    '--reps',
    '1',
    '--suite',
    'quick',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  assert.equal(run.exitCode, 0, run.all);
  const { result, path } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assertAllCompleted(result, 2);
  // libvirt answers from its capability cache: where it re-probed QEMU on every call, vagrant up took minutes.
  assert.ok(
    Number(result.runtimes.vagrant?.info.libvirtCachedCallMs) < 1000,
    String(result.runtimes.vagrant?.info.libvirtCachedCallMs),
  );
  assert.equal(result.runtimes.vagrant?.info.provider, 'libvirt (vagrant-libvirt)');
  assert.ok(['kvm', 'qemu'].includes(String(result.runtimes.vagrant?.info.driver)));
  const trials = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  assert.equal(trials.length, 2);
  for (const trial of trials) {
    // Vagrant's own time is recorded apart from the VM's boot phases.
    assert.ok((trial.boot.runtimeFigures?.upMs?.value ?? 0) > trial.boot.bootToReadyMs, JSON.stringify(trial.boot));
    assert.ok(trial.boot.phases.some((p) => p.name === 'vagrant cli+define'));
    assert.ok((trial.boot.guestUptimeAtReadyMs ?? 0) > 0);
    // The sampler's figures at the `ready` sample against libvirt's, read at the same moment while the domain ran.
    assert.equal(trial.crossCheck?.cpu_seconds?.event, 'ready', JSON.stringify(trial.crossCheck));
    const readyRow = trial.series.events.find((e) => e.label === 'ready')!.row;
    const sampled = (column: string) => trial.series.columns[column]?.values[readyRow] ?? undefined;
    const cpu = trial.crossCheck?.cpu_seconds?.value;
    assert.ok(cpu !== undefined && cpu > 0, 'virsh domstats cpu.time');
    const sampledCpu = sampled('guest.cpu_seconds')!;
    assert.ok(
      Math.abs(sampledCpu - cpu) <= tolerance * cpu + 0.05,
      `${trial.trialId}: sampler CPU ${sampledCpu} s vs domstats ${cpu} s`,
    );
    const rss = trial.crossCheck?.rss_bytes?.value;
    if (rss !== undefined) {
      const sampledRss = sampled('guest.rss_bytes')!;
      assert.ok(
        Math.abs(sampledRss - rss) <= tolerance * rss,
        `${trial.trialId}: sampler RSS ${sampledRss} vs domstats ${rss}`,
      );
    }
  }
  assert.ok(trials.find((t) => t.workload === 'cpu')!.metrics[0]!.value > 0);
  // The envelope, as for QEMU's trial cgroup: a 1-CPU quota on the whole domain holds a CPU-bound guest's
  // QEMU (vCPU, emulator and I/O threads) to about one CPU-second per second between READY and exit.
  assert.equal(result.runtimes.vagrant?.envelope?.enforced, true, result.runtimes.vagrant?.envelope?.how);
  const cpuTrial = trials.find((t) => t.workload === 'cpu')!;
  const rows = cpuTrial.series.events;
  const [ready, exit] = [rows.find((e) => e.label === 'ready')!.row, rows.find((e) => e.label === 'exit')!.row];
  const qemuCpu = cpuTrial.series.columns['guest.cpu_seconds']!.values;
  const perSecond =
    (qemuCpu[exit]! - qemuCpu[ready]!) / ((cpuTrial.series.tMs[exit]! - cpuTrial.series.tMs[ready]!) / 1000);
  assert.ok(perSecond > 0.5 && perSecond <= 1.15, `QEMU charged ${perSecond} CPU-s/s under a 1-CPU envelope`);
  // Where the harness writes the memory limit (libvirt cannot here), it lands before the guest kernel starts.
  for (const trial of trials) {
    const after = trial.boot.runtimeFigures?.memoryLimitAfterQemuMs?.value;
    const firmware = trial.boot.phases.find((p) => p.name === 'qemu+firmware')?.ms;
    if (after !== undefined)
      assert.ok(
        firmware !== undefined && after < firmware,
        `memory limit ${after} ms after QEMU, kernel at ${firmware} ms`,
      );
  }
  const report = await runBench(['report', path]);
  assert.match(
    report.stdout,
    // The description, text from the result file, in a code span (it holds backticks: a double fence).
    /- VM: Vagrant \(libvirt\), upMs: [\d.]+ ms \(median of 2\): `` `vagrant up` from spawn to exit ``\./,
  );
  // Only Vagrant ran: its own column, and no pair (Vagrant vs QEMU needs QEMU in the same run).
  assert.match(report.stdout, /\| workload \| metric \| VM: Vagrant \(libvirt\) \|\n/);
  assert.deepEqual(await leftovers(), []);
});

test('Ctrl-C during `vagrant up`/a Vagrant trial: exit 130, the domain, volumes, pool, network and folders are gone', {
  timeout: 300_000,
  skip,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-vagrant-int-'));
  const child = startBench([
    'all',
    '--runtimes',
    'vagrant',
    '--workloads',
    'idle',
    '--reps',
    '2',
    '--suite',
    'quick',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  // Wait until the domain runs, then interrupt.
  await waitUntil(
    "the trial's libvirt domain running",
    () => execFileSync('virsh', ['-c', 'qemu:///system', 'list', '--name'], { encoding: 'utf8' }).includes('tb-'),
    60_000,
  );
  child.kill('SIGINT');
  const run = await child;
  assert.equal(run.exitCode, 130, run.all);
  assert.deepEqual(await leftovers(), []);
});

test('disk, network and redis through Vagrant: the scratch file as the second disk, servers reached at the leased address', {
  timeout: 600_000,
  skip,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-vagrant-wl-'));
  const suite = writeSmallWorkloadSuite(out, ['vagrant']);
  const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assertAllCompleted(result, 3);
  const trials = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  for (const trial of trials)
    assert.ok(trial.metrics.length > 0 && trial.metrics.every((m) => m.value > 0 && m.unit), trial.trialId);
  // Direct I/O on the VM's second disk is QEMU's, charged to the domain's own cgroup.
  const disk = trials.find((t) => t.workload === 'disk')!;
  assert.ok(
    (disk.resources['cgroup.io_read_bytes']?.last ?? 0) >
      0.5 * disk.metrics.find((m) => m.name === 'randread_4k_iops')!.value * 4096 * 2,
  );
  assert.match(String(result.runtimes.vagrant?.info.scratch), /cache=none/);
  assert.deepEqual(await leftovers(), []);
});
