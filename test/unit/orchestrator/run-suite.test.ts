import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeBackend, type FakeScript } from '../../../src/runtimes/fake/backend.js';
import type { TrialSpec } from '../../../src/contract/backend.js';
import { resolveSuite } from '../../../src/config/resolve-suite.js';
import { loadWorkloads } from '../../../src/config/workload-manifest.js';
import { planTrials, runSuite, runtimeOrder } from '../../../src/orchestrator/run-suite.js';
import { packageRoot, workloadsDir } from '../../../src/paths.js';
import type { SamplerTarget } from '../../../src/sampling/sampler.js';
import { fixture } from '../../helpers.js';

const manifests = loadWorkloads(workloadsDir);

/** A cgroup v2 folder made of the files recorded in the guest: the real sampler reads it. */
function fakeCgroup(): SamplerTarget {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-cg-'));
  for (const file of ['memory.current', 'memory.peak', 'memory.stat', 'cpu.stat', 'io.stat']) {
    copyFileSync(join(packageRoot, 'test', 'fixtures', 'cgroup-v2-guest', file), join(dir, file));
  }
  writeFileSync(join(dir, 'cgroup.procs'), '');
  return { cgroup: { version: 2, dir } };
}

const good = (spec: TrialSpec): FakeScript => ({
  lines: [
    'TWINBENCH READY uptime_s=1.5 mode=vm',
    ...(spec.workload.name === 'cpu'
      ? ['TWINBENCH RESULT name=events_per_s value=500 unit=events/s source=guest.sysbench.cpu.events_per_s']
      : []),
    'TWINBENCH EXIT status=0',
  ],
});

async function runWithWarmups(
  script: (spec: TrialSpec) => FakeScript,
  flags = {},
  signal = new AbortController().signal,
) {
  const config = resolveSuite({ suite: 'quick', warmup: '0', ...flags }, manifests, 'amd64');
  const target = fakeCgroup();
  const backends = new Map([
    ['docker', new FakeBackend('docker', script, target)],
    ['qemu', new FakeBackend('qemu', script, target)],
  ] as const);
  return runSuite({
    runId: 'test',
    config,
    manifests,
    backends,
    signal,
    runDir: '/nonexistent',
    sampling: { intervalMs: 10, tickSeconds: 0.01, missingReasons: {} },
    onTrial: () => undefined,
    onTrialStart: () => undefined,
  });
}

async function run(script: (spec: TrialSpec) => FakeScript, flags = {}, signal = new AbortController().signal) {
  return (await runWithWarmups(script, flags, signal)).trials;
}

test('trials interleave runtimes within each repetition, in a seeded random order that the seed repeats', () => {
  const config = resolveSuite({ suite: 'quick', seed: '7' }, manifests, 'amd64');
  assert.equal(config.orderSeed, 7);
  const planned = planTrials(config);
  // Workload → repetition → runtime: each repetition holds every runtime once, in some order.
  assert.deepEqual(
    planned.map((t) => `${t.workload}-${t.rep}`),
    ['idle-1', 'idle-1', 'idle-2', 'idle-2', 'cpu-1', 'cpu-1'],
  );
  for (const block of [0, 2, 4])
    assert.deepEqual(
      planned
        .slice(block, block + 2)
        .map((t) => t.runtime)
        .sort(),
      ['docker', 'qemu'],
    );
  assert.deepEqual(planTrials(resolveSuite({ suite: 'quick', seed: '7' }, manifests, 'amd64')), planned);
  // Over many blocks each runtime runs first about half the time, never always.
  const three = resolveSuite({ seed: '1' }, manifests, 'amd64');
  const firsts = new Map<string, number>();
  for (let rep = 1; rep <= 300; rep++) {
    const first = runtimeOrder(three, 'cpu', rep)[0] ?? '';
    firsts.set(first, (firsts.get(first) ?? 0) + 1);
  }
  for (const runtime of ['native', 'docker', 'qemu'])
    assert.ok((firsts.get(runtime) ?? 0) > 60, `${runtime} first ${firsts.get(runtime)} of 300`);
  assert.notEqual(resolveSuite({}, manifests, 'amd64').orderSeed, undefined, 'a random seed is chosen and recorded');
});

test('completed trials carry boot timing, metrics with units and sampled resources with sources', async () => {
  const trials = await run(good);
  assert.equal(trials.length, 6);
  for (const trial of trials) {
    assert.equal(trial.state, 'completed', JSON.stringify(trial));
    if (trial.state !== 'completed') continue;
    assert.ok(trial.boot.bootToReadyMs > 0);
    assert.equal(trial.resources['cgroup.memory_usage_bytes']?.source, 'cgroup.v2.memory.current');
    assert.ok((trial.resources['cgroup.memory_usage_bytes']?.peak ?? 0) > 0);
    assert.ok(trial.series.events.some((event) => event.label === 'ready'));
  }
  const cpu = trials.find((t) => t.workload === 'cpu' && t.state === 'completed');
  assert.deepEqual(cpu?.state === 'completed' && cpu.metrics, [
    {
      name: 'events_per_s',
      value: 500,
      unit: 'events/s',
      source: 'guest.sysbench.cpu.events_per_s',
      direction: 'higher',
      keyFigure: true,
    },
  ]);
});

test('a workload that prints no figure is errored with its output kept, never a zero', async () => {
  const trials = await run(
    () => ({ lines: ['TWINBENCH READY uptime_s=1', 'sysbench: garbage', 'TWINBENCH EXIT status=0'] }),
    { workloads: 'cpu', runtimes: 'qemu' },
  );
  const [trial] = trials;
  assert.equal(trial?.state, 'errored');
  assert.ok(trial?.state === 'errored' && /no value for events_per_s/.test(trial.error));
  assert.ok(trial?.state === 'errored' && trial.consoleTail?.includes('garbage'));
});

test('a failed trial does not stop the run; a non-zero exit is errored', async () => {
  let n = 0;
  const trials = await run((spec) =>
    ++n === 1
      ? { fail: 'guest never printed READY within 60 s' }
      : { ...good(spec), exitStatus: spec.trialId === 'qemu-idle-2' ? 3 : 0 },
  );
  const errored = trials.filter((t) => t.state === 'errored');
  assert.equal(trials[0]?.state, 'errored');
  assert.deepEqual(errored.map((t) => t.trialId).sort(), [trials[0]?.trialId, 'qemu-idle-2'].sort());
  assert.equal(trials.filter((t) => t.state === 'completed').length, 4);
  const exited = trials.find((t) => t.trialId === 'qemu-idle-2');
  assert.match(exited?.state === 'errored' ? exited.error : '', /exited with status 3/);
});

test('after an interrupt the remaining trials are aborted, and what ran is kept', async () => {
  const controller = new AbortController();
  let n = 0;
  const trials = await run(
    (spec) => {
      if (++n === 2) controller.abort(new Error('SIGINT'));
      return good(spec);
    },
    {},
    controller.signal,
  );
  assert.equal(trials[0]?.state, 'completed');
  assert.ok(trials.slice(2).every((t) => t.state === 'aborted'));
  assert.equal(trials.length, 6);
});

test('warm-ups run before each workload, once per runtime, and stay out of the measured trials', async () => {
  const order: string[] = [];
  const { warmups, trials } = await runWithWarmups(
    (spec) => {
      order.push(spec.trialId);
      return good(spec);
    },
    { warmup: '1' },
  );
  assert.deepEqual(warmups.map((t) => t.trialId).sort(), [
    'docker-cpu-warmup-1',
    'docker-idle-warmup-1',
    'qemu-cpu-warmup-1',
    'qemu-idle-warmup-1',
  ]);
  // idle's warm-ups, its 4 trials, then cpu's warm-ups and its 2 trials.
  assert.deepEqual(
    order.map((id) => (id.includes('warmup') ? `warm-up ${id.split('-')[1]}` : id.split('-')[1])),
    ['warm-up idle', 'warm-up idle', 'idle', 'idle', 'idle', 'idle', 'warm-up cpu', 'warm-up cpu', 'cpu', 'cpu'],
  );
  assert.equal(trials.length, 6);
  assert.ok(trials.every((t) => !t.trialId.includes('warmup')));
});

test('a DATA line is parsed on the host; an unparsable one errors the trial with the raw line kept, never a zero', async () => {
  const fioJson = fixture('tools', 'fio-jobs.json').replace(/\n/g, '').replace(/ +/g, ' ');
  const lines = (payload: string): FakeScript => ({
    lines: ['TWINBENCH READY uptime_s=1', `TWINBENCH DATA tool=fio ${payload}`, 'TWINBENCH EXIT status=0'],
  });
  const tmp = mkdtempSync(join(tmpdir(), 'twinbench-run-'));
  const runDisk = (script: (spec: TrialSpec) => FakeScript) => {
    const config = resolveSuite(
      { suite: 'quick', workloads: 'disk', reps: '1', runtimes: 'docker', warmup: '0' },
      manifests,
      'amd64',
    );
    const backend = new FakeBackend('docker', script, fakeCgroup());
    return runSuite({
      runId: 'test',
      runDir: tmp,
      config,
      manifests,
      backends: new Map([['docker', backend]] as const),
      signal: new AbortController().signal,
      sampling: { intervalMs: 10, tickSeconds: 0.01, missingReasons: {} },
      onTrial: () => undefined,
      onTrialStart: () => undefined,
    });
  };
  let scratchBytes = 0;
  const good = (
    await runDisk((spec) => {
      scratchBytes = spec.scratch ? statSync(join(spec.scratch.dir, spec.scratch.fileName)).size : -1;
      return lines(fioJson);
    })
  ).trials[0]!;
  assert.equal(scratchBytes, 256 * 1024 * 1024);
  assert.equal(good.state, 'completed');
  if (good.state === 'completed') {
    const iops = good.metrics.find((m) => m.name === 'randread_4k_iops');
    assert.equal(iops?.unit, 'IOPS');
    assert.equal(iops?.source, 'guest.fio.randread-4k.read.iops');
    assert.equal(good.metrics.length, manifests.get('disk')!.metrics.length);
    // The raw fio JSON is kept whole, so every figure can be re-derived; the console keeps a marker, not a second copy.
    assert.equal(good.evidence?.find((e) => e.source === 'guest.fio')?.text, fioJson);
    const consoleText = good.evidence?.find((e) => e.source === 'guest.console')?.text ?? '';
    assert.match(consoleText, /TWINBENCH DATA tool=fio … \(kept as guest\.fio\)/);
    assert.ok(!consoleText.includes('randread-4k'));
  }
  const bad = (await runDisk(() => lines('{"jobs": [{"jobname": "randread-4k", "error": 5}]}'))).trials[0]!;
  assert.equal(bad.state, 'errored');
  if (bad.state === 'errored') {
    assert.match(bad.error, /fio output: fio job randread-4k failed with error 5/);
    assert.match(bad.consoleTail ?? '', /TWINBENCH DATA tool=fio/);
    assert.equal(bad.metrics?.length ?? 0, 0);
  }
  // The scratch file was written for the trial (size_mib of the manifest) and removed after it.
  assert.deepEqual(readdirSync(join(tmp, 'scratch')), []);
});

test("--target-ci adds interleaved repetitions only where a key figure's interval is still too wide, and records why each stopped", async () => {
  const order: string[] = [];
  const { trials, repetitions } = await runWithWarmups(
    (spec) => {
      order.push(spec.trialId);
      const rep = Number(spec.trialId.split('-').at(-1));
      // The container's figure swings by 10x; the VM's never moves.
      const value = spec.trialId.startsWith('docker') && rep % 2 === 0 ? 5000 : 500;
      const lines = [
        'TWINBENCH READY uptime_s=1.5 mode=vm',
        ...(spec.workload.name === 'cpu'
          ? [`TWINBENCH RESULT name=events_per_s value=${value} unit=events/s source=guest.sysbench.cpu.events_per_s`]
          : []),
        'TWINBENCH EXIT status=0',
      ];
      return { lines };
    },
    { workloads: 'cpu', targetCi: '5%', minReps: '2', maxReps: '8' },
  );
  const cpu = (runtime: string) => repetitions?.find((r) => r.runtime === runtime && r.workload === 'cpu');
  assert.equal(cpu('docker')?.stop, 'max-reps');
  assert.equal(cpu('docker')?.reps, 8);
  assert.ok((cpu('docker')?.halfWidths.events_per_s ?? 0) > 0.05);
  // Boot and working set gate here too (cpu is the only workload): the fake's boot time decides when qemu stops.
  assert.ok(['target-reached', 'max-reps'].includes(cpu('qemu')?.stop ?? ''));
  assert.equal(cpu('qemu')?.halfWidths.events_per_s, 0);
  assert.equal(trials.filter((t) => t.runtime === 'docker').length, 8);
  // The first two repetitions are planned as usual; later ones are added round by round, interleaved.
  assert.deepEqual(
    order.slice(0, 4).map((id) => id.split('-').at(-1)),
    ['1', '1', '2', '2'],
  );
  assert.ok(order.indexOf('docker-cpu-3') < order.indexOf('docker-cpu-4'));
});
