/**
 * The lab-host test: twinbench installed and run inside a Debian 12 VM with systemd as init, cgroup v2
 * and Docker's systemd cgroup driver (see fixture.ts), judged from what the run left in /lab/out.
 * Run by `npm run test:lab-host` (scripts/test.sh calls it). TWINBENCH_LAB_KEEP=dir keeps the output there;
 * TWINBENCH_LAB_BENCH_ARGS and TWINBENCH_LAB_QEMU_ARGS change the runs inside.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { archFromNode, getArchProfile } from '../../src/host/arch.js';
import { hostAptMirror } from '../../src/host/apt-mirror.js';
import { probeKvm } from '../../src/host/kvm-probe.js';
import { buildImageSet } from '../../src/images/image-flags.js';
import { cacheDir, packageRoot } from '../../src/paths.js';
import type { CompletedTrial, ResultFile } from '../../src/results/types.js';
import { bootLabHost, ensureLabImage, makeWorkDisk, readWorkDiskOut } from './fixture.js';
import { hostArch, writeOciArchive } from '../integration/user-image/fixtures.js';

const arch = archFromNode(process.arch);
const profile = getArchProfile(arch ?? 'amd64');
let scratch = '';
let out = '';
let boot: Awaited<ReturnType<typeof bootLabHost>> | undefined;
/** Whether this host ran the lab host under KVM; if not (TCG), a QEMU inside it runs under KVM nested in emulation. */
let outerKvm = false;
/** The nested QEMU runs (the KVM path), unless TWINBENCH_LAB_QEMU_ARGS says otherwise ('' leaves them out). */
const qemuArgs =
  process.env.TWINBENCH_LAB_QEMU_ARGS ??
  '--suite quick --runtimes qemu,qemu-microvm --workloads idle --reps 1 --warmup 0 --accel kvm --seed 3';
const log = (line: string) => console.log(`# ${line}`);

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'twinbench-lab-'));
  const controller = new AbortController();
  const images = await buildImageSet({}, profile.debianArch, { log, signal: controller.signal });
  const image = await ensureLabImage(profile, cacheDir(), await hostAptMirror(), log);
  const workDisk = join(scratch, 'work.ext4');
  await writeOciArchive(join(scratch, 'user-image.tar'), { architecture: hostArch });
  const started = performance.now();
  await makeWorkDisk({
    images,
    cacheRoot: cacheDir(),
    script: join(packageRoot, 'test', 'lab-host', 'run.sh'),
    env: {
      // The quick suite's durations (idle 2 s, cpu 3 s), one repetition: the assertions are on each trial's sources,
      // columns and systemd's own CPU accounting, none on how long a workload ran or on a statistic over repetitions;
      // sysbench at 10 s in a TCG VM cost a minute of both CPUs, and a second repetition another minute of both.
      BENCH_ARGS:
        process.env.TWINBENCH_LAB_BENCH_ARGS ??
        '--suite quick --runtimes native,docker --workloads idle,cpu --reps 1 --warmup 0 --seed 14',
      QEMU_ARGS: qemuArgs,
    },
    files: { 'user-image.tar': join(scratch, 'user-image.tar') },
    output: workDisk,
  });
  log(
    `lab host: work disk (packed twinbench, images, script) in ${Math.round((performance.now() - started) / 1000)} s`,
  );
  const kvm = await probeKvm(profile, images.kernelPath);
  outerKvm = kvm.usable;
  log(`lab host: ${kvm.usable ? 'KVM' : `TCG (${kvm.reason})`}, Node.js ${image.nodeVersion}`);
  boot = await bootLabHost({
    image,
    workDisk,
    scratch,
    profile,
    accel: kvm.usable ? 'kvm' : 'tcg',
    vcpus: 2,
    memoryMiB: 3072,
    timeoutMs: 40 * 60_000,
  });
  log(`lab host: booted, ran and powered off in ${boot.seconds} s${boot.timedOut ? ' (TIMED OUT)' : ''}`);
  out = await readWorkDiskOut(workDisk, process.env.TWINBENCH_LAB_KEEP ?? scratch);
  await rm(workDisk, { force: true });
});

after(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : '');
const rc = (name: string) => read(`${name}.rc`).trim();
/** The last lines a step wrote to its file, on one line, for an assertion's message. */
const lastLines = (name: string, count = 3) => read(name).trim().split('\n').slice(-count).join(' | ');
/** A step's exit code, with what it wrote to stderr when it is not the expected one. */
function expectExit(name: string, expected: string): void {
  assert.equal(rc(name), expected, `${name} exited ${rc(name) || '(never ran)'}: ${lastLines(`${name}.err`, 5)}`);
}

test('the lab host booted systemd with cgroup v2 and Docker with the systemd driver, and ran to the end', () => {
  assert.ok(boot, 'the lab host did not boot');
  assert.ok(!boot.timedOut && existsSync(join(out, 'done')), `the lab host's run did not finish: ${boot.consoleTail}`);
  const facts = read('facts.txt');
  assert.match(facts, /^init=systemd$/m);
  assert.match(facts, /^cgroup_fs=cgroup2fs$/m);
  assert.match(facts, /^docker=.* driver=systemd cgroup=2$/m);
  assert.match(facts, /^node=v\d+\./m);
});

test('setup and doctor pass on the lab host, without starting or stopping its Docker', () => {
  expectExit('setup', '0');
  assert.match(read('setup.err'), /docker engine answers/);
  expectExit('doctor', '0');
  const { checks } = JSON.parse(read('doctor.out')) as { checks: { name: string; status: string; detail: string }[] };
  const manager = checks.find((check) => check.name === 'cgroup manager');
  assert.equal(manager?.status, 'ok');
  assert.match(manager?.detail ?? '', /systemd owns the cgroup tree/);
  assert.match(checks.find((check) => check.name === 'docker engine')?.detail ?? '', /systemd driver, cgroup v2/);
});

/** The one result file a run inside wrote to this folder. */
function resultIn(dir: string): ResultFile {
  const file = readdirSync(dir).find((name) => name.endsWith('.json'));
  assert.ok(file, `no result file in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as ResultFile;
}

test('bench all native,docker inside: cgroup v2 sources for every column, CPU/memory/I/O figures, the systemd driver recorded, CPU time as systemd counts it', () => {
  expectExit('all', '0');
  const result = resultIn(join(out, 'results'));
  assert.equal(result.host.cgroupVersion, 2);
  assert.equal(result.runtimes.docker?.info.cgroupDriver, 'systemd');
  const completed = result.trials.filter((trial): trial is CompletedTrial => trial.state === 'completed');
  assert.equal(
    completed.length,
    result.trials.length,
    `not every trial completed: ${JSON.stringify(result.trials.filter((t) => t.state !== 'completed')).slice(0, 600)}`,
  );
  for (const runtime of ['native', 'docker']) {
    const trials = completed.filter((trial) => trial.runtime === runtime);
    const planned = result.config.workloads.reduce((sum, workload) => sum + workload.reps, 0);
    assert.equal(trials.length, planned, `${runtime}: every planned trial`);
    for (const trial of trials) {
      for (const [column, summary] of Object.entries(trial.resources)) {
        if (column.startsWith('cgroup.'))
          assert.match(summary.source, /^cgroup\.v2\./, `${runtime} ${column}: ${summary.source}`);
      }
      for (const column of [
        'cgroup.cpu_seconds',
        'cgroup.memory_usage_bytes',
        'cgroup.memory_peak_bytes',
        'cgroup.io_read_bytes',
        'cgroup.io_write_bytes',
      ]) {
        const summary = trial.resources[column];
        assert.ok(
          summary && summary.samples > 0,
          `${runtime} ${trial.workload}: no ${column} figure (${JSON.stringify(summary)})`,
        );
      }
    }
  }
  expectExit('report', '0');
  assert.match(read('report.md'), /docker/i);

  // An independent reading: systemd's own accounting of each trial's slice, logged when it is removed.
  const consumed = systemdCpuSeconds(read('journal.txt'));
  let compared = 0;
  for (const trial of completed) {
    const systemd = consumed.get(`${result.runId}-${trial.trialId}`.replaceAll('-', '_'));
    const ours = trial.resources['cgroup.cpu_seconds']?.last;
    if (systemd === undefined || ours === undefined || ours === null) continue;
    compared++;
    assert.ok(
      Math.abs(systemd - ours) <= 0.01 + systemd * 0.01,
      `${trial.trialId}: systemd says ${systemd} CPU-s, twinbench ${ours}`,
    );
  }
  assert.ok(
    compared >= completed.length / 2,
    `only ${compared} of ${completed.length} trials had systemd's CPU figure in the journal`,
  );
});

test("bench all --image inside: a user's OCI archive natively and in Docker, in the trials' slices, cgroup v2 figures, nothing left", () => {
  expectExit('image', '0');
  const result = resultIn(join(out, 'image'));
  assert.equal(result.images.userImage?.source, 'oci-layout');
  assert.match(result.runtimes.docker?.envelope?.how ?? '', /transient systemd slice/);
  assert.deepEqual(result.trials.map((trial) => `${trial.runtime} ${trial.state}`).sort(), [
    'docker completed',
    'native completed',
  ]);
  for (const trial of result.trials) {
    if (trial.state !== 'completed') continue;
    assert.ok(
      trial.metrics.some((metric) => metric.name === 'http_requests_per_s' && metric.value > 0),
      JSON.stringify(trial.metrics),
    );
    assert.match(trial.resources['cgroup.cpu_seconds']?.source ?? '', /^cgroup\.v2\./);
  }
  assert.equal(read('leftovers-after-image.txt').trim(), '', 'after the image run');
});

/** `<slice name without .slice>` → CPU seconds, from systemd's "…slice: Consumed 1min 2.345s CPU time" lines. */
function systemdCpuSeconds(journal: string): Map<string, number> {
  const seconds = new Map<string, number>();
  for (const match of journal.matchAll(/twinbench_(\S+)\.slice: Consumed ((?:[\d.]+(?:min|ms|s) ?)+) CPU time/g)) {
    let total = 0;
    for (const [, value, unit] of (match[2] ?? '').matchAll(/([\d.]+)(min|ms|s)/g))
      total += Number(value) * (unit === 'min' ? 60 : unit === 'ms' ? 0.001 : 1);
    seconds.set(match[1] ?? '', total);
  }
  return seconds;
}

test('nothing is left in the lab host after the run, after Ctrl-C, and after bench clean of a SIGKILLed run', () => {
  assert.equal(read('leftovers-after-run.txt').trim(), '', 'after the run');
  assert.match(
    read('during-interrupt.txt'),
    /twinbench/,
    `the interrupt came before any trial had its cgroup (the wait: ${read('interrupt-wait.txt').trim()})`,
  );
  assert.equal(rc('interrupt'), '130', `bench after SIGINT: ${lastLines('interrupt.err')}`);
  assert.equal(read('leftovers-after-interrupt.txt').trim(), '', 'after Ctrl-C');
  // SIGKILL leaves the trial's container and slice (nothing can clean up after it); bench clean takes them.
  assert.equal(rc('kill'), '137');
  assert.match(
    read('leftovers-after-kill.txt'),
    /^unit twinbench_\S+\.slice/m,
    'a killed run leaves its trial slice for bench clean',
  );
  expectExit('clean', '0');
  // What clean removed goes to stderr, its verdict to stdout.
  assert.match(read('clean.err'), /removed cgroup twinbench_\S+\.slice/);
  assert.equal(read('leftovers-after-clean.txt').trim(), '', 'after bench clean');
});

test('the KVM path, nested: qemu and qemu-microvm idle trials with --accel kvm inside the lab host, every boot phase, the accelerator recorded as what it is, the report saying so, Ctrl-C leaving nothing', {
  skip: qemuArgs === '' ? 'TWINBENCH_LAB_QEMU_ARGS is empty: no nested QEMU run asked for' : false,
}, () => {
  expectExit('qemu', '0');
  const result = resultIn(join(out, 'qemu'));
  for (const runtime of ['qemu', 'qemu-microvm'] as const) {
    const record = result.runtimes[runtime];
    assert.ok(record, `no ${runtime} in the nested run`);
    assert.equal(record.info.accelerator, 'kvm', `${runtime}: ${String(record.info.acceleratorReason)}`);
    assert.match(String(record.info.acceleratorReason), /test boot under KVM/);
    assert.equal(record.info.cpuModel, 'host');
    // On a TCG-run lab host the nested KVM is KVM by name only: marked emulated, with the reason. Under a real
    // KVM outside, nested KVM is hardware virtualization and is not marked.
    assert.equal(record.emulated, !outerKvm, `${runtime}: emulated ${record.emulated}`);
    if (!outerKvm)
      assert.match(
        String(record.info.acceleratorReason),
        /this host is itself emulated \(.*\): KVM nested in TCG, .*not a KVM figure/,
      );
    const trials = result.trials.filter((trial) => trial.runtime === runtime);
    assert.equal(trials.length, 1);
    const trial = trials[0]!;
    assert.equal(trial.state, 'completed', JSON.stringify(trial).slice(0, 600));
    if (trial.state !== 'completed') continue;
    assert.deepEqual(
      trial.boot.phases.map((phase) => phase.name),
      ['prepare', 'qemu+firmware', 'kernel', 'initramfs+agent'],
      `${runtime} phases`,
    );
    for (const phase of trial.boot.phases)
      assert.ok(Number.isFinite(phase.ms) && phase.ms >= 0, `${runtime} ${phase.name}: ${phase.ms} ms`);
    assert.ok(
      trial.boot.guestUptimeAtReadyMs! > 0 && trial.boot.bootToReadyMs > trial.boot.guestUptimeAtReadyMs!,
      `${runtime}: READY at ${trial.boot.bootToReadyMs} ms, guest uptime ${trial.boot.guestUptimeAtReadyMs} ms`,
    );
  }
  if (!outerKvm) {
    assert.ok(
      result.notes.includes(
        'VM figures were measured under KVM nested in a host that is itself emulated (TCG): the KVM path ran, but the figures measure emulation, not virtualization.',
      ),
      result.notes.join(' | '),
    );
    expectExit('qemu-report', '0');
    const report = read('qemu-report.md');
    assert.match(
      report,
      /> \*\*Warning:\*\* VM: [^\n]*figures on this host measure \*\*emulation, not virtualization\*\* \(accelerator: `kvm`; `test boot under KVM[^`]*this host is itself emulated/,
    );
  }
  assert.equal(read('leftovers-after-qemu.txt').trim(), '', 'after the nested QEMU run');
  assert.match(
    read('during-qemu-interrupt.txt'),
    /^qemu \d+$/m,
    `the interrupt came before a trial's QEMU ran (the wait: ${read('qemu-interrupt-wait.txt').trim()}; bench: ${lastLines('qemu-interrupt.err')})`,
  );
  assert.equal(rc('qemu-interrupt'), '130', `bench after SIGINT: ${lastLines('qemu-interrupt.err')}`);
  assert.equal(read('leftovers-after-qemu-interrupt.txt').trim(), '', 'after Ctrl-C mid nested-QEMU trial');
});
