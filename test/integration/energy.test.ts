import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { attribute, idleWatts } from '../../src/results/energy.js';
import { figuresOf } from '../../src/results/figures.js';
import type { EnergyInterval, ResultFile } from '../../src/results/types.js';
import { simulatedJoules, startEnergySim, type SimulatedPower } from '../energy-sim.js';
import { assertAllCompleted, leftovers, readResult, runBench } from './helpers.js';

/**
 * `bench all` on a simulated RAPL package (test/energy-sim.ts): this host has no energy counters (it is a VM), so
 * the counters are a known power model, and every energy reading of the result is checked against it.
 * 100 J of range at 20 W and more wraps every 5 s at most: a Docker idle trial (5 s) holds a wrap.
 */
const power: SimulatedPower = { idleWatts: 20, wattsPerCpu: 5, rangeJ: 100, startJ: 90 };
const root = mkdtempSync(join(tmpdir(), 'twinbench-energy-'));
let sim: Awaited<ReturnType<typeof startEnergySim>> | undefined;

before(async () => {
  sim = await startEnergySim(join(root, 'sysfs'), power);
});
after(() => {
  sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

/**
 * Within 1 % of what the simulation drew. An interval of a few milliseconds (a fake guest's boot) gets an absolute
 * bound instead: /proc/stat moves in 10 ms ticks, read by twinbench and by the simulation microseconds apart, so
 * each end may differ by a tick of one CPU (0.01 s × wattsPerCpu) and by the simulation's wake-up (under 1 ms).
 */
function assertSimulated(what: string, interval: Pick<EnergyInterval, 'seconds' | 'hostJoules' | 'hostCpuSeconds'>) {
  const expected = simulatedJoules(power, interval.seconds, interval.hostCpuSeconds);
  const bound = Math.max(0.01 * expected, 2 * (0.01 * power.wattsPerCpu + 0.001 * power.idleWatts));
  assert.ok(
    Math.abs(interval.hostJoules - expected) <= bound,
    `${what}: ${interval.hostJoules} J recorded, the simulation drew ${expected.toFixed(6)} J (bound ${bound.toFixed(3)} J)`,
  );
}

/** Every reading of a run checked against the simulation, and each figure of the model against its reading. */
function assertEnergy(result: ResultFile): void {
  const energy = result.energy;
  assert.ok(energy, 'the result records its energy');
  assert.deepEqual(energy.zones, ['intel-rapl:0']);
  assert.equal(energy.simulatedRoot, join(root, 'sysfs'));
  assert.equal(
    energy.idle.length,
    result.config.workloads.length + 1,
    'an idle window before each workload and at the end',
  );
  for (const [index, window] of energy.idle.entries()) assertSimulated(`idle window ${index + 1}`, window);
  const idle = idleWatts(energy) as number;
  const model = figuresOf(result).shown;
  for (const trial of result.trials) {
    assert.equal(trial.state, 'completed');
    if (trial.state !== 'completed') continue;
    const { boot, workload } = trial.energy ?? {};
    assert.ok(boot && workload, `${trial.trialId}: boot and workload readings (${trial.energy?.missingReason})`);
    assertSimulated(`${trial.trialId} boot`, boot);
    assertSimulated(`${trial.trialId} workload`, workload);
    const figure = (metric: string) => {
      const found = model.get(`${trial.runtime}/${trial.workload}/${metric}`);
      return found?.values[found.reps.indexOf(trial.rep)];
    };
    assert.equal(figure('energy.boot.joules'), attribute(boot, idle).marginal);
    assert.equal(figure('energy.boot.attributedJoules'), attribute(boot, idle).attributed);
    assert.equal(figure('energy.workload.watts'), attribute(workload, idle).marginal / workload.seconds);
  }
}

test('bench all on the fake runtimes with a simulated energy counter: every reading within 1 % of the simulated power; report, compare and check carry the figures', {
  timeout: 120_000,
}, async () => {
  const out = join(root, 'fake');
  const env = {
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    TWINBENCH_CACHE: join(root, 'cache'),
    TWINBENCH_ENERGY_SYSFS: join(root, 'sysfs'),
  };
  const run = await runBench(
    ['all', '--runtimes', 'fake,fake-vm', '--workloads', 'idle,cpu', '--reps', '2', '--warmup', '0', '--out', out],
    env,
  );
  assert.equal(run.exitCode, 0, run.all);
  const { path, result } = readResult(run.stdout);
  assertAllCompleted(result, 8);
  assertEnergy(result);
  assert.ok(figuresOf(result).shown.has('fake-vm/cpu/energy.perOperation.events_per_s'));
  const markdown = readFileSync(path.replace(/\.json$/, '.md'), 'utf8');
  assert.match(markdown, /^## Energy \(the host's counters\)$/m);
  assert.match(markdown, /\*\*Simulated counters\*\*/);
  const compare = await runBench(['compare', path, path], env);
  assert.equal(compare.exitCode, 0, compare.all);
  assert.match(compare.stdout, /fake\/idle\/energy\.boot\.joules/);
  // Informative in check: listed there, never among the gating figures (the fake run's 6: boot and working set of
  // idle, and cpu's events per second, in two runtimes). One run against one decides nothing: exit 7, inconclusive.
  const baseline = join(root, 'baseline.json');
  writeFileSync(baseline, JSON.stringify({ ...result, runId: `${result.runId}-baseline` }));
  const check = await runBench(['check', path, '--baseline', baseline], env);
  assert.equal(check.exitCode, 7, check.all);
  assert.match(check.stdout, /\*\*Inconclusive\*\*: 6 gating figure\(s\)/);
  const informative = check.stdout.slice(check.stdout.indexOf('## Informative figures'));
  assert.match(informative, /fake\/idle\/energy\.boot\.joules/);
});

test('bench all in Docker with a simulated energy counter: readings within 1 % across a counter wrap, joules per request of redis', {
  timeout: 300_000,
}, async () => {
  const suite = join(root, 'energy-suite.json');
  writeFileSync(
    suite,
    JSON.stringify({
      name: 'energy',
      runtimes: ['docker'],
      workloads: [
        { name: 'idle', reps: 2, params: {} },
        { name: 'redis', reps: 2, params: { requests: 20000 } },
      ],
    }),
  );
  const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--out', join(root, 'docker')], {
    TWINBENCH_ENERGY_SYSFS: join(root, 'sysfs'),
  });
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(run.stdout);
  assertAllCompleted(result, 4);
  assertEnergy(result);
  const wrapped = result.trials.filter((trial) => trial.state === 'completed' && (trial.energy?.counterWraps ?? 0) > 0);
  assert.ok(wrapped.length > 0, 'a counter wrap fell inside a trial');
  for (const trial of result.trials)
    if (trial.state === 'completed')
      assert.equal(trial.energy?.trialCpu, 'cgroup+shim', 'containerd-shim beside the group');
  const perRequest = figuresOf(result).shown.get('docker/redis/energy.perOperation.get_requests_per_s');
  assert.equal(perRequest?.unit, 'J/request');
  assert.equal(perRequest?.values.length, 2);
  assert.deepEqual(await leftovers(), []);
});
