import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkResults, checkRuns, defaultThreshold, parseAlpha, parseThreshold } from '../../../src/report/check.js';
import { summarizeRun } from '../../../src/report/run-summary.js';
import { packageRoot } from '../../../src/paths.js';
import type { ResultFile } from '../../../src/results/types.js';
import { renderCsv } from '../../../src/report/csv.js';
import { migrateResult, parseResult } from '../../../src/results/read.js';
import { UsageError } from '../../../src/errors.js';

test('--threshold accepts 5%, 5 and 0.05 and refuses the rest, naming the value', () => {
  assert.equal(parseThreshold('5%'), 0.05);
  assert.equal(parseThreshold('5'), 0.05);
  assert.equal(parseThreshold('0.05'), 0.05);
  assert.equal(parseThreshold('12.5%'), 0.125);
  for (const bad of ['0', '-5%', '100%', 'five', '5%%', ''])
    assert.throws(() => parseThreshold(bad), /--threshold must be a percentage/);
});

test('boot and CPU time get a wider default threshold than throughput and memory', () => {
  assert.equal(defaultThreshold('boot.bootToReadyMs'), 0.1);
  assert.equal(defaultThreshold('cgroup.cpu_seconds.atReady'), 0.1);
  assert.equal(defaultThreshold('events_per_s'), 0.05);
});

test('an early v1 file without images.initrd is migrated, not refused', () => {
  const migrated = migrateResult({ schemaVersion: 1, images: { rootfsDigest: 'x' } });
  assert.deepEqual(migrated.images, { rootfsDigest: 'x', initrd: { source: 'built' } });
});

test("v1 → v2: runtime records gain their kind and label, Vagrant's boot.vagrant becomes described runtime figures", () => {
  const migrated = migrateResult({
    schemaVersion: 1,
    runtimes: {
      native: { emulated: false, info: {} },
      docker: { emulated: false, info: {} },
      vagrant: { emulated: true, info: {} },
    },
    trials: [
      { runtime: 'vagrant', boot: { bootToReadyMs: 5, phases: [], vagrant: { upMs: 9, waitAfterReadyMs: 4 } } },
      { runtime: 'docker', boot: { bootToReadyMs: 1, phases: [] } },
    ],
    warmups: [],
  });
  assert.equal(migrated.schemaVersion, 2);
  const runtimes = migrated.runtimes as Record<string, { kind: string; label: string }>;
  assert.deepEqual(
    [runtimes.native?.kind, runtimes.docker?.kind, runtimes.vagrant?.kind],
    ['native', 'container', 'vm'],
  );
  const [vagrant, docker] = migrated.trials as { boot: Record<string, unknown> }[];
  assert.equal(vagrant?.boot.vagrant, undefined);
  assert.deepEqual(Object.keys(vagrant?.boot.runtimeFigures as object), ['upMs', 'waitAfterReadyMs']);
  assert.equal((vagrant?.boot.runtimeFigures as Record<string, { value: number }> | undefined)?.upMs?.value, 9);
  assert.equal(docker?.boot.runtimeFigures, undefined);
});

test('the reader names the file for every kind of bad input', () => {
  const cases: [string, RegExp][] = [
    ['', /f\.json: the file is empty/],
    ['[1,2]', /f\.json: not a twinbench result \(not a JSON object\)/],
    ['{"tool":{"name":"twinbench"},"schemaVersion":"1"}', /f\.json: unknown schemaVersion "1"/],
    ['{"tool":{"name":"twinbench"},"schemaVersion":3}', /newer than this twinbench reads/],
    [
      '{"tool":{"name":"twinbench"},"schemaVersion":1}',
      /f\.json: does not match the result schema v2: .*must have required property/,
    ],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => parseResult(text, 'f.json'),
      (error: unknown) => error instanceof UsageError && expected.test(error.message),
    );
  }
});

test('CSV quotes fields with commas, quotes and newlines', () => {
  const csv = renderCsv([
    {
      path: 'a,b "c".json',
      result: {
        runId: 'r',
        trials: [
          {
            trialId: 't',
            runtime: 'docker',
            workload: 'cpu',
            rep: 1,
            state: 'completed',
            boot: { bootToReadyMs: 5, phases: [] },
            metrics: [{ name: 'm', value: 1, unit: 'u\nv', source: 's', direction: 'higher' }],
            resources: {},
            series: { intervalMs: 1, tMs: [], columns: {}, events: [], sampleCostMs: { mean: 0, max: 0 } },
          },
        ],
      } as never,
    },
  ]);
  assert.match(csv, /^"a,b ""c"".json",r,t,docker,cpu,1,completed,boot,bootToReadyMs,,5,ms,host\.clock$/m);
  assert.match(csv, /metric,m,,1,"u\nv",s/);
});

test('check fails closed on the recorded run: errored trials, interruption, missing runtime; one baseline run is inconclusive, never a pass; each waivable', () => {
  let runs = 0;
  const recorded = () => ({
    ...(JSON.parse(
      readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'),
    ) as ResultFile),
    runId: `run-${++runs}`,
  });
  const baseline = recorded();
  // One baseline run cannot say how much runs differ: even a file against itself is inconclusive (exit 7), not passed.
  const self = checkResults(baseline, recorded(), { crossHost: false });
  assert.equal(self.outcome, 'inconclusive');
  assert.equal(self.failed, false);
  assert.deepEqual(
    self.problems.map((p) => p.kind),
    ['inconclusive'],
  );
  assert.equal(checkResults(baseline, recorded(), { crossHost: false, allowUnderpowered: true }).outcome, 'unchanged');
  const broken = recorded();
  const first = broken.trials[0]!;
  broken.trials[0] = {
    trialId: first.trialId,
    runtime: first.runtime,
    workload: first.workload,
    rep: first.rep,
    state: 'errored',
    error: 'guest never printed READY',
  };
  broken.status = 'interrupted';
  delete broken.runtimes.qemu;
  broken.trials = broken.trials.filter((t) => t.runtime !== 'qemu');
  const report = checkResults(baseline, broken, { crossHost: false, allowUnderpowered: true });
  assert.equal(report.failed, true);
  assert.equal(report.outcome, 'regressed');
  assert.deepEqual(
    report.problems.map((p) => [p.kind, p.waived]),
    [
      ['errored-trials', false],
      ['interrupted', false],
      ['missing-runtime', false],
      ['missing-figure', false],
      ['inconclusive', true],
    ],
  );
  assert.match(
    report.problems[0]!.message,
    /1 of 3 trials did not complete: docker-idle-1 \(guest never printed READY\)/,
  );
  const waived = checkResults(baseline, broken, { crossHost: false, allowUnderpowered: true, allowErrored: true });
  assert.equal(waived.failed, false);
  assert.ok(waived.problems.every((p) => p.waived));
});

test('a history baseline: runs of the same host decide; runs of another host and the current run itself are left out and listed', () => {
  const recorded = () =>
    JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8')) as ResultFile;
  // Five earlier runs of the host whose figures wander by ±1 % from run to run, and one of another host.
  const runs = [1, 0.99, 1.01, 1.005, 0.995].map((factor, index) => {
    const run = recorded();
    run.runId = `run-${index}`;
    run.startedAt = `2026-01-0${index + 1}T00:00:00.000Z`;
    for (const trial of run.trials) if (trial.state === 'completed') trial.boot.bootToReadyMs *= factor;
    return run;
  });
  const other = recorded();
  other.runId = 'elsewhere';
  other.host.hostname = 'another-host';
  const current = recorded();
  current.runId = 'now';
  const history = [...runs, other, current].map((run) => summarizeRun(`${run.runId}.json`, run));
  const same = checkRuns(history, [current], { crossHost: false });
  assert.equal(same.baselineRuns, 5);
  assert.deepEqual(
    same.skippedBaselines.map((run) => [run.path, run.reason.split(' (')[0]]),
    [
      ['elsewhere.json', 'another host'],
      ['now.json', 'it is the current run'],
    ],
  );
  const boot = same.rows.find((row) => row.key === 'docker/idle/boot.bootToReadyMs')!;
  assert.equal(boot.verdict, 'unchanged');
  assert.equal(boot.test.baselineRuns, 5);
  // Every boot 40 % slower: beyond the 10 % threshold and far beyond ±1 % run-to-run: regressed, exit 1.
  const slow = recorded();
  slow.runId = 'slow';
  for (const trial of slow.trials)
    if (trial.state === 'completed' && trial.runtime === 'docker') trial.boot.bootToReadyMs *= 1.4;
  const regressed = checkRuns(history, [slow], { crossHost: false });
  assert.equal(regressed.rows.find((row) => row.key === 'docker/idle/boot.bootToReadyMs')?.verdict, 'regressed');
  assert.equal(regressed.outcome, 'regressed');
  // A confirming run of the same slow software: decided on both, still regressed.
  const again = recorded();
  again.runId = 'slow-again';
  for (const trial of again.trials)
    if (trial.state === 'completed' && trial.runtime === 'docker') trial.boot.bootToReadyMs *= 1.41;
  const confirmed = checkRuns(history, [slow, again], { crossHost: false });
  assert.equal(confirmed.currentRuns, 2);
  assert.equal(confirmed.rows.find((row) => row.key === 'docker/idle/boot.bootToReadyMs')?.test.currentRuns, 2);
  assert.equal(confirmed.outcome, 'regressed');
  // Only runs of another host: refused as before, naming both.
  assert.throws(
    () => checkRuns([summarizeRun('o.json', other)], [current], { crossHost: false }),
    /baseline is from another-host/,
  );
});

test('a history that shifted (a deliberate change) is the baseline since its last shift, and the summary says where', () => {
  const recorded = () =>
    JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8')) as ResultFile;
  // Four runs at one level, then four 30 % slower (a kernel update, say), each run ±1 %; the current run is like the last four.
  const levels = [1, 0.99, 1.01, 1.0, 1.3, 1.29, 1.31, 1.3];
  const runs = levels.map((level, index) => {
    const run = recorded();
    run.runId = `run-${index}`;
    run.startedAt = `2026-01-0${index + 1}T00:00:00.000Z`;
    for (const trial of run.trials) if (trial.state === 'completed') trial.boot.bootToReadyMs *= level;
    return summarizeRun(`run-${index}.json`, run);
  });
  const current = recorded();
  current.runId = 'now';
  for (const trial of current.trials) if (trial.state === 'completed') trial.boot.bootToReadyMs *= 1.3;
  const report = checkRuns(runs, [current], { crossHost: false });
  const boot = report.rows.find((row) => row.key === 'docker/idle/boot.bootToReadyMs')!;
  assert.equal(boot.verdict, 'unchanged', boot.reason);
  assert.equal(boot.test.baselineRuns, 4);
  assert.match(boot.reason, /the history shifted \+30\.\d % at run-4\.json: the 4 run\(s\) since are the baseline/);
});

test('--alpha accepts a probability up to 0.5 and names a bad value', () => {
  assert.equal(parseAlpha('0.01'), 0.01);
  assert.equal(parseAlpha('.05'), 0.05);
  for (const bad of ['0', '1', '0.6', 'x', '', '-0.01'])
    assert.throws(() => parseAlpha(bad), /--alpha must be a probability above 0 and at most 0\.5, like 0\.01, got/);
});
