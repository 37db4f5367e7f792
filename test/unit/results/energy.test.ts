import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { summarizeRun } from '../../../src/report/run-summary.js';
import { attribute, energyFigures, idleWatts, trialEnergyFrom } from '../../../src/results/energy.js';
import { figuresOf } from '../../../src/results/figures.js';
import { parseResult } from '../../../src/results/read.js';
import type { CompletedTrial, ResultFile, WorkloadMetricValue } from '../../../src/results/types.js';
import type { SampledSeries } from '../../../src/sampling/series.js';

test('two trials at known CPU shares of the same interval get its energy above idle split in that proportion', () => {
  // 2 s in which the host drew 100 J over a 20 W idle draw, its CPUs busy 2 s in all: trial A 0.5 s, trial B 1.5 s.
  const interval = (trialCpuSeconds: number) => ({ seconds: 2, hostJoules: 100, hostCpuSeconds: 2, trialCpuSeconds });
  const [a, b] = [attribute(interval(0.5), 20), attribute(interval(1.5), 20)];
  assert.equal(a.marginal, 60);
  assert.ok(Math.abs(b.attributed / a.attributed - 3) < 0.03, `${b.attributed} / ${a.attributed}`);
  assert.ok(Math.abs(a.attributed + b.attributed - 60) < 0.6);
  // A share is at most the whole; no busy CPU time at all attributes nothing.
  assert.equal(attribute({ ...interval(3), hostCpuSeconds: 2 }, 20).attributed, 60);
  assert.equal(attribute({ ...interval(0), hostCpuSeconds: 0 }, 20).attributed, 0);
  // Below the idle draw (noise): kept negative, not clipped.
  assert.equal(attribute({ seconds: 1, hostJoules: 19, hostCpuSeconds: 1, trialCpuSeconds: 1 }, 20).marginal, -1);
});

test('the idle draw is the median of the idle windows', () => {
  const window = (joules: number) => ({
    startedAt: '2026-12-06T00:00:00Z',
    seconds: 2,
    hostJoules: joules,
    hostCpuSeconds: 0,
  });
  assert.equal(idleWatts({ zones: ['intel-rapl:0'], idle: [window(40), window(44), window(100)] }), 22);
  assert.equal(idleWatts({ zones: [], idle: [], missingReason: 'no powercap zones: running inside a VM' }), undefined);
});

function series(rows: { t: number; joules: number; host: number; cgroup: number; shim?: number }[]): SampledSeries {
  const column = (unit: 'joules' | 'seconds', values: (number | null)[]) => ({
    unit,
    source: 'x',
    kind: 'counter' as const,
    values,
  });
  return {
    intervalMs: 100,
    tMs: rows.map((row) => row.t),
    columns: {
      'host.energy_joules': column(
        'joules',
        rows.map((row) => row.joules),
      ),
      'host.cpu_busy_seconds': column(
        'seconds',
        rows.map((row) => row.host),
      ),
      'cgroup.cpu_seconds': column(
        'seconds',
        rows.map((row) => row.cgroup),
      ),
      ...(rows[0]?.shim === undefined
        ? {}
        : {
            'shim.cpu_seconds': column(
              'seconds',
              rows.map((row) => row.shim ?? null),
            ),
          }),
    },
    events: [
      { label: 'ready', row: 1 },
      { label: 'exit', row: 2 },
      { label: 'end', row: 3 },
    ],
    sampleCostMs: { mean: 0, max: 0 },
  };
}

test('a trial reads boot from its spawn to the ready row and its workload from there to the exit row, with the shim beside its group', () => {
  const rows = [
    { t: 50, joules: 1, host: 0.02, cgroup: 0.01, shim: 0 },
    { t: 800, joules: 20, host: 0.6, cgroup: 0.3, shim: 0.02 },
    { t: 5800, joules: 120, host: 1.6, cgroup: 0.5, shim: 0.03 },
    { t: 5900, joules: 122, host: 1.7, cgroup: 0.5, shim: 0.03 },
  ];
  const energy = trialEnergyFrom(series(rows), { wraps: 1, problem: undefined });
  assert.deepEqual(energy, {
    boot: { seconds: 0.8, hostJoules: 20, hostCpuSeconds: 0.6, trialCpuSeconds: 0.32 },
    workload: { seconds: 5, hostJoules: 100, hostCpuSeconds: 1, trialCpuSeconds: 0.21 },
    trialCpu: 'cgroup+shim',
    counterWraps: 1,
  });
  // Podman's conmon inside the group: counted once, by the group.
  const inside = { ...series(rows), shimInCgroup: true };
  assert.equal(trialEnergyFrom(inside, { wraps: 0, problem: undefined }).trialCpu, 'cgroup');
  const stalled = trialEnergyFrom(series(rows), { wraps: 0, problem: 'the counter intel-rapl:0 stalled' });
  assert.equal(stalled.missingReason, 'the counter intel-rapl:0 stalled');
});

test('joules per operation: the workload watts above idle over its operations per second, in the operation’s unit', () => {
  const metric = (name: string, value: number, unit: string): WorkloadMetricValue => ({
    name,
    value,
    unit,
    source: `guest.tool.${name}`,
    direction: 'higher',
  });
  const energy = {
    boot: { seconds: 1, hostJoules: 30, hostCpuSeconds: 1, trialCpuSeconds: 0.5 },
    workload: { seconds: 10, hostJoules: 400, hostCpuSeconds: 10, trialCpuSeconds: 5 },
    trialCpu: 'cgroup' as const,
    counterWraps: 0,
  };
  const figures = energyFigures(
    energy,
    [
      metric('get_requests_per_s', 50_000, 'requests/s'),
      metric('randread_4k_iops', 10_000, 'IOPS'),
      metric('seqwrite_1m_mib_per_s', 512, 'MiB/s'),
      { ...metric('p99_ms', 3, 'ms'), direction: 'lower' },
    ],
    20,
  );
  const value = (name: string) => figures.find((figure) => figure.metric === name);
  assert.equal(value('energy.boot.joules')?.value, 10);
  assert.equal(value('energy.boot.attributedJoules')?.value, 5);
  // 400 J over 10 s at a 20 W idle draw: 20 W above idle, 10 W attributed.
  assert.equal(value('energy.workload.watts')?.value, 20);
  assert.equal(value('energy.workload.attributedWatts')?.value, 10);
  assert.deepEqual(value('energy.perOperation.get_requests_per_s'), {
    metric: 'energy.perOperation.get_requests_per_s',
    unit: 'J/request',
    source: 'host.energy.marginal.per.guest.tool.get_requests_per_s',
    value: 20 / 50_000,
  });
  assert.equal(value('energy.perOperation.randread_4k_iops')?.unit, 'J/I/O');
  assert.deepEqual(
    [
      value('energy.perOperation.seqwrite_1m_mib_per_s')?.unit,
      value('energy.perOperation.seqwrite_1m_mib_per_s')?.value,
    ],
    ['J/GiB', (20 / 512) * 1024],
  );
  assert.equal(value('energy.perOperation.get_requests_per_s.attributed')?.value, 10 / 50_000);
  assert.equal(value('energy.perOperation.p99_ms'), undefined);
  // Without the run's idle draw there is no figure: none is guessed.
  assert.deepEqual(energyFigures(energy, [], undefined), []);
});

/** The fixture with energy readings, as a run on a host with counters records them. */
function withEnergy(result: ResultFile): ResultFile {
  const copy = structuredClone(result);
  copy.energy = {
    zones: ['intel-rapl:0'],
    idle: [{ startedAt: copy.startedAt, seconds: 2, hostJoules: 40, hostCpuSeconds: 0.02 }],
    simulatedRoot: '/tmp/simulated',
  };
  for (const trial of copy.trials.filter((t): t is CompletedTrial => t.state === 'completed'))
    trial.energy = {
      boot: { seconds: 1, hostJoules: 25 + trial.rep, hostCpuSeconds: 0.5, trialCpuSeconds: 0.4 },
      workload: { seconds: 5, hostJoules: 150, hostCpuSeconds: 4, trialCpuSeconds: 3 },
      trialCpu: 'cgroup',
      counterWraps: 0,
    };
  return copy;
}

test('energy figures flow through the model: shown, informative in check, one section and one line in the report', () => {
  const plain = parseResult(
    readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'),
    'quick-v1.json',
  );
  const result = withEnergy(plain);
  assert.deepEqual(parseResult(JSON.stringify(result), 'energy.json').energy, result.energy);
  const figures = figuresOf(result).shown;
  const boot = figures.get('qemu/idle/energy.boot.joules');
  assert.equal(boot?.unit, 'J');
  assert.equal(boot?.gates, false);
  assert.ok(figures.has('qemu/cpu/energy.perOperation.events_per_s'));
  assert.ok(summarizeRun('energy.json', result).samples.has('docker/idle/energy.workload.watts'));
  const markdown = renderMarkdown(result);
  assert.match(markdown, /^## Energy \(the host's counters\)$/m);
  assert.match(markdown, /\*\*Simulated counters\*\*/);
  // A run with none says why once, and shows no energy section.
  const none = structuredClone(plain);
  none.energy = { zones: [], idle: [], missingReason: 'no powercap zones: running inside a VM' };
  const said = renderMarkdown(none);
  assert.equal(said.match(/no powercap zones: running inside a VM/g)?.length, 1);
  assert.match(said, /^Energy figures: none, `no powercap zones: running inside a VM`\.$/m);
  assert.doesNotMatch(said, /## Energy/);
  assert.equal([...figuresOf(none).all.keys()].filter((key) => key.includes('/energy.')).length, 0);
});
