/**
 * Figures for the core issue, measured on this host (not asserted in tests):
 *   node dist/bench/core-figures.js [--trials N] [--cold]
 * - cold image build time (--cold: builds into an empty cache folder, ~1 min)
 * - `bench all --suite quick` wall time with a warm cache        target ≤ 90 s
 * - container create→READY through twinbench vs a bare `docker run` of the same image,
 *   interleaved in one run                                          target: twinbench adds ≤ 5 %
 * - VM spawn→READY median and spread
 * - the sampler's cost per guest per sample (tinybench)
 * Exits 1 when a target is missed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { Bench } from 'tinybench';
import { DockerBackend } from '../src/runtimes/docker/engine-backend.js';
import { QemuBackend } from '../src/runtimes/qemu/backend.js';
import type { TrialSpec } from '../src/contract/backend.js';
import { loadWorkloads } from '../src/config/workload-manifest.js';
import { archFromNode, getArchProfile } from '../src/host/arch.js';
import { hostAptMirror } from '../src/host/apt-mirror.js';
import { ensureImages } from '../src/images/build.js';
import { chooseAccelerator } from '../src/orchestrator/choose-accel.js';
import { runTrial } from '../src/orchestrator/run-trial.js';
import { cacheDir, packageRoot, workloadsDir } from '../src/paths.js';
import { describe, type Stats } from '../src/results/stats.js';
import { locateCgroup, parseCgroupMounts } from '../src/sampling/cgroup-paths.js';
import { Sampler } from '../src/sampling/sampler.js';
import { cleanup } from '../src/cleanup.js';

const args = process.argv.slice(2);
const trials = Number(args[args.indexOf('--trials') + 1] ?? 12) || 12;
const bench = join(packageRoot, 'bin', 'bench.js');
const signal = new AbortController().signal;
const fmt = (s: Stats | undefined) =>
  s
    ? `median ${s.median.toFixed(1)} ms, IQR ${s.q1.toFixed(1)}–${s.q3.toFixed(1)}, min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, n=${s.n}`
    : 'not measured';
const figures: Record<string, unknown> = {};
const missed: string[] = [];

async function main(): Promise<void> {
  const arch = archFromNode(process.arch);
  if (!arch) throw new Error(`unsupported arch ${process.arch}`);
  const mirror = await hostAptMirror();

  if (args.includes('--cold')) {
    const cold = mkdtempSync(join(tmpdir(), 'twinbench-cold-'));
    const started = performance.now();
    await execa('node', [bench, 'images', 'build'], { env: { TWINBENCH_CACHE: cold } });
    figures.coldImageBuildSeconds = Math.round((performance.now() - started) / 100) / 10;
    rmSync(cold, { recursive: true, force: true });
    console.log(`cold image build: ${String(figures.coldImageBuildSeconds)} s`);
  }

  const images = await ensureImages({ arch, cacheRoot: cacheDir(), mirror, log: () => undefined });
  const out = mkdtempSync(join(tmpdir(), 'twinbench-bench-'));
  const quickStart = performance.now();
  const quick = await execa('node', [bench, 'all', '--suite', 'quick', '--out', out], { reject: false });
  figures.quickSuiteWallSeconds = Math.round((performance.now() - quickStart) / 100) / 10;
  console.log(
    `bench all --suite quick (warm cache): ${String(figures.quickSuiteWallSeconds)} s, exit ${String(quick.exitCode)}`,
  );
  if ((figures.quickSuiteWallSeconds as number) > 90) missed.push('quick suite wall time > 90 s');
  rmSync(out, { recursive: true, force: true });

  const manifests = loadWorkloads(workloadsDir);
  const idle = manifests.get('idle');
  if (!idle) throw new Error('no idle workload');
  const spec = (id: string): TrialSpec => ({
    runId: 'bench',
    trialId: id,
    workload: idle,
    params: { duration_s: 1 },
    vcpus: 1,
    memoryMiB: 512,
    readyTimeoutMs: 60_000,
    workloadTimeoutMs: 60_000,
    signal,
  });
  const sampling = { intervalMs: 100, tickSeconds: 0.01, missingReasons: {} };

  // Container: twinbench's path (create, attach, start, sample) vs a bare `docker run`, interleaved.
  const docker = new DockerBackend();
  await docker.prepare(images, signal);
  const viaTwinbench: number[] = [];
  const viaDockerRun: number[] = [];
  const bare = async () => {
    const started = performance.now();
    const child = execa(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'none',
        images.dockerTag,
        '/bin/sh',
        '/twinbench/agent.sh',
        'mode=container',
        'workload=idle',
        'duration_s=1',
      ],
      { buffer: false },
    );
    let readyAt: number | undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (readyAt === undefined && chunk.toString().includes('TWINBENCH READY')) readyAt = performance.now();
    });
    await child;
    if (readyAt !== undefined) viaDockerRun.push(readyAt - started);
  };
  const ours = async (i: number) => {
    const result = await runTrial(docker, spec(`docker-${i}`), i, sampling);
    if (result.state === 'completed') viaTwinbench.push(result.boot.bootToReadyMs);
    else
      console.log(`container trial ${i} ${result.state}: ${result.state === 'errored' ? result.error : result.reason}`);
  };
  await ours(0); // warm-up, not counted
  viaTwinbench.length = 0;
  for (let i = 1; i <= trials; i++) {
    if (i % 2) {
      await ours(i);
      await bare();
    } else {
      await bare();
      await ours(i);
    }
  }
  const ourStats = describe(viaTwinbench);
  const bareStats = describe(viaDockerRun);
  figures.containerCreateToReadyMs = ourStats;
  figures.bareDockerRunToReadyMs = bareStats;
  console.log(`container create→READY via twinbench: ${fmt(ourStats)}`);
  console.log(`bare docker run → READY:              ${fmt(bareStats)}`);
  if (ourStats && bareStats) {
    const overhead = ourStats.median / bareStats.median - 1;
    figures.twinbenchOverheadVsDockerRun = overhead;
    // `docker run` includes the CLI's own start-up and its attach; twinbench talks to the API directly.
    console.log(
      `twinbench vs bare docker run: ${(overhead * 100).toFixed(1)} % (negative = faster; docker run includes its CLI start-up)`,
    );
    if (overhead > 0.05) missed.push(`twinbench adds ${(overhead * 100).toFixed(1)} % > 5 % to container start`);
  }

  // VM spawn→READY.
  const profile = getArchProfile(arch);
  const accel = await chooseAccelerator('auto', profile, images.kernelPath);
  const runDir = mkdtempSync(join(tmpdir(), 'twinbench-vm-'));
  const qemu = new QemuBackend({
    name: 'qemu',
    profile,
    accel: accel.accel,
    accelReason: accel.reason,
    emulated: accel.emulated,
    runDir,
    runId: 'core-figures',
  });
  await qemu.prepare(images);
  const vm: number[] = [];
  const vmUptime: number[] = [];
  for (let i = 1; i <= Math.min(trials, 6); i++) {
    const result = await runTrial(qemu, spec(`qemu-${i}`), i, sampling);
    if (result.state !== 'completed')
      console.log(`VM trial ${i} ${result.state}: ${result.state === 'errored' ? result.error : result.reason}`);
    if (result.state === 'completed') {
      vm.push(result.boot.bootToReadyMs);
      if (result.boot.guestUptimeAtReadyMs !== undefined) vmUptime.push(result.boot.guestUptimeAtReadyMs);
    }
  }
  rmSync(runDir, { recursive: true, force: true });
  figures.vmSpawnToReadyMs = describe(vm);
  figures.vmGuestUptimeAtReadyMs = describe(vmUptime);
  figures.vmAccelerator = accel.accel;
  console.log(
    `VM spawn→READY (${accel.accel}, ${profile.machineType}): ${fmt(describe(vm))}; guest uptime at READY ${fmt(describe(vmUptime))}`,
  );

  // Sampler cost per sample for one live container (tinybench).
  const { stdout: id } = await execa('docker', [
    'run',
    '-d',
    '--rm',
    '--network',
    'none',
    images.dockerTag,
    'sleep',
    '120',
  ]);
  try {
    const { stdout: pid } = await execa('docker', ['inspect', '-f', '{{.State.Pid}}', id]);
    const location = locateCgroup(
      readFileSync(`/proc/${pid}/cgroup`, 'utf8'),
      parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8')),
    );
    if (!location) throw new Error('cannot locate the container cgroup');
    const shim = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    const sampler = new Sampler(
      { cgroup: location, extraPids: [shim] },
      { intervalMs: 100, tickSeconds: 0.01, origin: performance.now() },
    );
    const tiny = new Bench({ time: 2000, warmupTime: 200 });
    tiny.add('sampler.sampleNow (container + shim)', () => sampler.sampleNow());
    await tiny.run();
    console.table(tiny.table());
    const result = tiny.tasks[0]?.result;
    if (result && 'latency' in result) {
      figures.samplerCostMsPerSample = { mean: result.latency.mean, p50: result.latency.p50, p99: result.latency.p99 };
      console.log(
        `sampler cost per guest per sample: mean ${result.latency.mean.toFixed(3)} ms, p99 ${result.latency.p99.toFixed(3)} ms`,
      );
    }
  } finally {
    await execa('docker', ['rm', '-f', id], { reject: false });
  }
  console.log(JSON.stringify(figures, null, 2));
  if (missed.length) {
    console.log(`targets missed: ${missed.join('; ')}`);
    process.exitCode = 1;
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  })
  .finally(() => cleanup.runAll());
