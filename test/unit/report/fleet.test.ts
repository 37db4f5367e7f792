import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { parseResult } from '../../../src/results/read.js';
import type { CompletedTrial, ResultFile } from '../../../src/results/types.js';
import { fleetGroups, renderFleetComparison } from '../../../src/report/fleet.js';
import { groupByHost, buildHistory } from '../../../src/report/history.js';
import { summarizeRun } from '../../../src/report/run-summary.js';

const fixture = join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json');

/**
 * A recorded run (Docker and QEMU, idle and cpu) as if measured on another host: its name, architecture and
 * kernel changed, and a native baseline beside Docker whose figures are Docker's divided by `nativeSpeedup`.
 * Test data for the layout, not measurements.
 */
function hostRun(
  hostname: string,
  options: {
    arch?: 'amd64' | 'arm64';
    guest?: 'arm64';
    kernel?: string;
    nativeSpeedup?: number;
    startedAt?: string;
  } = {},
): ResultFile {
  const result = parseResult(readFileSync(fixture, 'utf8'), fixture);
  result.host.hostname = hostname;
  if (options.kernel) result.host.os.kernel = options.kernel;
  if (options.arch === 'arm64') {
    result.host.arch = 'aarch64';
    (result.config as { arch: string }).arch = 'arm64';
  }
  if (options.guest) (result.config as { arch: string }).arch = options.guest;
  if (options.startedAt) result.startedAt = options.startedAt;
  result.runId = `${hostname}-${options.startedAt ?? result.startedAt}`;
  if (options.nativeSpeedup !== undefined) {
    const speedup = options.nativeSpeedup;
    result.runtimes = { native: { kind: 'native', label: 'native', emulated: false, info: {} }, ...result.runtimes };
    const native = result.trials
      .filter((trial): trial is CompletedTrial => trial.runtime === 'docker' && trial.state === 'completed')
      .map((trial) => ({
        ...trial,
        runtime: 'native' as const,
        trialId: trial.trialId.replace('docker', 'native'),
        metrics: trial.metrics.map((metric) => ({
          ...metric,
          value: metric.direction === 'higher' ? metric.value * speedup : metric.value / speedup,
        })),
      }));
    result.trials = [...result.trials, ...native];
  }
  return result;
}

test('bench compare at fleet size: 24 hosts, a row each, grouped by architecture and fingerprint, with ratios to native per host', () => {
  const files = [
    ...Array.from({ length: 12 }, (_, i) => ({
      path: `x86-${i}.json`,
      result: hostRun(`lab-x86-${i}`, { nativeSpeedup: 1.25 }),
    })),
    ...Array.from({ length: 6 }, (_, i) => ({
      path: `x86-new-${i}.json`,
      result: hostRun(`lab-x86-new-${i}`, { kernel: '6.12.0-1-amd64', nativeSpeedup: 1.25 }),
    })),
    ...Array.from({ length: 5 }, (_, i) => ({
      path: `arm-${i}.json`,
      result: hostRun(`lab-arm-${i}`, { arch: 'arm64', nativeSpeedup: 2 }),
    })),
    { path: 'arm-no-native.json', result: hostRun('lab-arm-old', { arch: 'arm64' }) },
  ];
  const groups = fleetGroups(files);
  // Two kernels on x86 are two fingerprints; arm64 hosts with and without a native run differ only per run, not per host.
  assert.deepEqual(
    groups.map((group) => [group.architecture, group.members.length]),
    [
      ['aarch64 host, arm64 guests', 6],
      ['x86_64 host, amd64 guests', 12],
      ['x86_64 host, amd64 guests', 6],
    ],
  );
  const text = renderFleetComparison(files);
  // The groups table shows the dimension that tells the two x86 groups apart, and not those they share.
  const groupRows = text.split('\n').filter((line) => /^\| G\d \|/.test(line));
  assert.equal(groupRows.length, 3);
  assert.match(text, /\| group \| architecture \| fingerprint \| hosts \| .*kernel/);
  assert.ok(groupRows.some((row) => row.includes('6.12.0-1-amd64')));
  // Every host once in the hosts table, in its group.
  for (const file of files)
    assert.equal(
      text.split('\n').filter((line) => line.includes(`| \`${file.result.host.hostname}\` |`)).length,
      1,
      file.result.host.hostname,
    );
  // The native ratio of the cpu figure: 1 / 1.25 on x86 hosts, 1 / 2 on arm64, with a group median row.
  const section = text.slice(
    text.indexOf('## Ratios to native, per host'),
    text.indexOf('## Ratios between other runtimes'),
  );
  assert.match(section, /### cpu\/events_per_s/);
  const cpuTable = section.slice(section.indexOf('### cpu/events_per_s')).split('\n\n')[1] ?? '';
  assert.match(cpuTable, /\| host \| group \| docker\/native \| qemu\/native \|/);
  assert.match(cpuTable, /\| `#1 lab-x86-0` \| G2 \| 0\.800 /);
  assert.match(cpuTable, /\| `#19 lab-arm-0` \| G1 \| 0\.500 /);
  assert.match(cpuTable, /\| `#24 lab-arm-old` \| G1 \| no native run \| no native run \|/);
  assert.match(cpuTable, /\| \*\*G2: median of hosts\*\* \| G2 \| \*\*0\.800 \[0\.800, 0\.800\] hosts=12\*\*/);
  // Pairs without native (the VM to the container) get their own section, boot included.
  assert.match(
    text,
    /## Ratios between other runtimes, per host[\s\S]*### idle\/boot\.bootToReadyMs[\s\S]*\| host \| group \| qemu\/docker \|/,
  );
});

test('bench history: one line per host, runs in time order, labels unique where two hosts share a name', () => {
  const runs = [
    { path: 'b2.json', result: hostRun('lab-b', { startedAt: '2026-02-01T00:00:00.000Z' }) },
    { path: 'a1.json', result: hostRun('lab-a', { startedAt: '2026-01-01T00:00:00.000Z' }) },
    { path: 'b1.json', result: hostRun('lab-b', { startedAt: '2026-01-01T00:00:00.000Z' }) },
    { path: 'arm.json', result: hostRun('lab-a', { guest: 'arm64', startedAt: '2026-01-03T00:00:00.000Z' }) },
    { path: 'other.json', result: hostRun('lab-c', { arch: 'arm64', startedAt: '2026-01-03T00:00:00.000Z' }) },
    { path: 'other-x86.json', result: hostRun('lab-c', { startedAt: '2026-01-04T00:00:00.000Z' }) },
  ];
  const summaries = runs.map((run) => summarizeRun(run.path, run.result));
  const hosts = groupByHost(summaries);
  assert.deepEqual(
    hosts.map((host) => [host.label, host.runs.map((run) => run.path)]),
    [
      ['lab-a', ['a1.json']],
      ['lab-a [arm64 guests]', ['arm.json']],
      ['lab-b', ['b1.json', 'b2.json']],
      ['lab-c (EPYC, aarch64)', ['other.json']],
      ['lab-c (EPYC, x86_64)', ['other-x86.json']],
    ],
  );
  const model = buildHistory(summaries);
  // The same figures on both of lab-b's runs: nothing moved.
  assert.deepEqual(model.changes, []);
  const boot = model.figures.find((figure) => figure.id === 'idle/boot.bootToReadyMs');
  assert.deepEqual(
    boot?.series.filter((series) => series.host === 'lab-b').map((series) => series.points.length),
    [2, 2],
  );
});

test('compare names files by as many parent folders as tell them apart', async () => {
  const { displayNames } = await import('../../../src/report/compare.js');
  assert.deepEqual(displayNames(['/f/lab-a/result.json', '/f/lab-b/result.json']), [
    'lab-a/result.json',
    'lab-b/result.json',
  ]);
  assert.deepEqual(displayNames(['/f/a/1.json', '/f/b/2.json']), ['1.json', '2.json']);
  assert.deepEqual(displayNames(['r.json', 'r.json']), ['r.json', 'r.json']);
});
