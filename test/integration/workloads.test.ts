import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadWorkloads } from '../../src/config/workload-manifest.js';
import { cacheDir, workloadsDir } from '../../src/paths.js';
import { validateResult } from '../../src/results/schema.js';
import type { CompletedTrial } from '../../src/results/types.js';
import { leftovers, readResult, runBench, writeSmallWorkloadSuite } from './helpers.js';

const manifests = loadWorkloads(workloadsDir);

test('disk, network and redis run natively, in Docker and in QEMU: every figure present, with units, and plausible', {
  timeout: 600_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-workloads-'));
  const suite = writeSmallWorkloadSuite(out, ['native', 'docker', 'qemu']);
  const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--out', out]);
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  const trials = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  assert.equal(
    trials.length,
    9,
    JSON.stringify(result.trials.map((t) => [t.trialId, t.state, t.state === 'errored' ? t.error : ''])),
  );
  const figures = (runtime: string, workload: string) => {
    const trial = trials.find((t) => t.runtime === runtime && t.workload === workload)!;
    // Every declared metric, with the manifest's unit.
    for (const declared of manifests.get(workload)!.metrics) {
      const metric = trial.metrics.find((m) => m.name === declared.name);
      assert.ok(metric, `${runtime} ${workload}: ${declared.name} missing`);
      assert.equal(metric.unit, declared.unit);
      assert.ok(
        Number.isFinite(metric.value) && metric.value > 0,
        `${runtime} ${workload} ${declared.name} = ${metric.value}`,
      );
    }
    return { trial, value: (name: string) => trial.metrics.find((m) => m.name === name)!.value };
  };
  for (const runtime of ['native', 'docker', 'qemu']) {
    const disk = figures(runtime, 'disk');
    assert.ok(disk.value('randread_4k_clat_p99_us') >= disk.value('randread_4k_clat_p50_us'));
    // Direct I/O is charged to the guest's own cgroup: the host saw at least half of what fio read.
    const fioReadBytes = disk.value('randread_4k_iops') * 4096 * 2;
    const cgroupRead = disk.trial.resources['cgroup.io_read_bytes']?.last;
    if (cgroupRead !== undefined)
      assert.ok(cgroupRead > 0.5 * fioReadBytes, `${runtime}: cgroup read ${cgroupRead} B vs fio ${fioReadBytes} B`);
    const network = figures(runtime, 'network');
    assert.ok(network.value('tcp_latency_p99_us') >= network.value('tcp_latency_p50_us'));
    const redis = figures(runtime, 'redis');
    assert.ok(redis.value('get_p99_ms') >= redis.value('get_p50_ms'));
    // 20000 requests per test: a rate over 100 requests/s, and no faster than a machine could serve them.
    assert.ok(redis.value('get_requests_per_s') > 100 && redis.value('get_requests_per_s') < 5e6);
  }
  // The path and the scratch disk are recorded per runtime.
  // By default the container is reached at its own bridge address, as the VM is on its tap: no NAT.
  assert.match(String(result.runtimes.docker?.info.networkPath), /the container's own address on it: no NAT, no proxy/);
  assert.equal(result.config.containerNetwork, 'bridge');
  assert.match(String(result.runtimes.qemu?.info.networkPath), /tap/);
  assert.match(String(result.runtimes.qemu?.info.scratch), /cache=none/);
  assert.match(String(result.runtimes.native?.info.networkPath), /127\.0\.0\.1/);
  // The report has the rows, with ratios to native.
  const report = await runBench(['report', readResult(run.stdout).path]);
  assert.match(
    report.stdout,
    /\| network \| tcp_rx_gbit_per_s \(Gbit\/s, higher is better\) \| [\d.]+ \[—\] n=1 \| [\d.]+ \[—\] n=1 \| [\d.]+ \[—\] n=1 \|/,
  );
  assert.deepEqual(await leftovers(), []);
  const runs = join(cacheDir(), 'runs');
  assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [], 'run folders (scratch files) are removed');
});

test('a host tool whose output cannot be parsed errors the trial, keeps the raw output, and the guest is released', {
  timeout: 300_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-client-'));
  // An `iperf3` first on PATH that exits 0 printing something else, as a broken or foreign build would.
  mkdirSync(join(out, 'bin'));
  writeFileSync(join(out, 'bin', 'iperf3'), '#!/bin/sh\necho "this is not iperf3"\n', { mode: 0o755 });
  const started = Date.now();
  const run = await runBench(
    [
      'all',
      '--runtimes',
      'docker',
      '--workloads',
      'network',
      '--reps',
      '1',
      '--warmup',
      '0',
      '--suite',
      'quick',
      '--out',
      out,
    ],
    {
      PATH: `${join(out, 'bin')}:${process.env.PATH ?? ''}`,
    },
  );
  assert.equal(run.exitCode, 4, run.all);
  const { result } = readResult(run.stdout);
  const trial = result.trials[0]!;
  assert.equal(trial.state, 'errored');
  if (trial.state === 'errored') {
    assert.match(trial.error, /iperf3 output is not JSON/);
    assert.match(trial.toolOutput ?? '', /this is not iperf3/);
    assert.equal(trial.metrics?.length ?? 0, 0);
  }
  // Released through its control port, the guest exits at once instead of waiting for its timeout.
  assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  assert.deepEqual(await leftovers(), []);
});

test('container network paths: bridge (default, no NAT), published (DNAT) and host each carry the network workload, and each is recorded', {
  timeout: 300_000,
}, async () => {
  const expected = {
    bridge: /the host connects to the container's own address on it: no NAT, no proxy/,
    published:
      /ports published on \d+\.\d+\.\d+\.\d+, the bridge's host address: the host connects through iptables DNAT/,
    host: /host's network namespace/,
  };
  for (const [path, pattern] of Object.entries(expected)) {
    const out = mkdtempSync(join(tmpdir(), `twinbench-net-${path}-`));
    const suite = join(out, 'net.json');
    writeFileSync(
      suite,
      JSON.stringify({
        name: 'net',
        runtimes: ['docker'],
        workloads: [{ name: 'network', reps: 1, params: { duration_s: 2 } }],
      }),
    );
    const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--container-net', path, '--out', out]);
    assert.equal(run.exitCode, 0, `${path}: ${run.all}`);
    const { result } = readResult(run.stdout);
    assert.equal(result.config.containerNetwork, path);
    assert.match(String(result.runtimes.docker?.info.networkPath), pattern);
    const trial = result.trials[0];
    assert.ok(
      trial?.state === 'completed' && (trial.metrics.find((m) => m.name === 'tcp_rx_gbit_per_s')?.value ?? 0) > 0,
      `${path}: ${JSON.stringify(trial)}`.slice(0, 500),
    );
  }
  const bad = await runBench(['all', '--runtimes', 'docker', '--container-net', 'nat']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--container-net must be one of bridge, published, host, got "nat"/);
  assert.deepEqual(await leftovers(), []);
});
