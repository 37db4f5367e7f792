import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { packageRoot } from '../../../src/paths.js';
import { checkRuns } from '../../../src/report/check.js';
import { summarizeRun } from '../../../src/report/run-summary.js';
import { maxResultBytes, outOfRange, parseResult, readResultFile } from '../../../src/results/read.js';
import { readResults } from '../../../src/results/read-many.js';
import type { ResultFile } from '../../../src/results/types.js';

const sample = readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8');
const parsed = () => JSON.parse(sample) as Record<string, unknown> & { trials: Record<string, unknown>[] };

test('a result file beyond 256 MiB is refused from its size, before it is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-hostile-'));
  try {
    const file = join(dir, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, maxResultBytes + 1); // sparse: no disk used, and reading it would take seconds
    await assert.rejects(
      readResultFile(file),
      (error: unknown) =>
        error instanceof UsageError &&
        /huge\.json: 256 MiB is not a result file of twinbench's \(at most 256 MiB/.test(error.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('numbers at ±1e308 (or any beyond 1e20) are refused naming where, never turned into infinities and a verdict', () => {
  for (const value of [1e308, -1e308, 1e21]) {
    const result = parsed();
    (result.trials[0] as { boot: { bootToReadyMs: number } }).boot.bootToReadyMs = value;
    assert.throws(
      () => parseResult(JSON.stringify(result), 'absurd.json'),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message.startsWith(
          `absurd.json: a number beyond any measurement (/trials/0/boot/bootToReadyMs = ${value}`,
        ),
    );
  }
  // cgroup v1's "no limit" is a real value and stays readable.
  assert.equal(outOfRange({ limit: 2 ** 63 - 4096 }), undefined); // 9223372036854771712, a double exactly
  assert.equal(outOfRange([0, { a: [1, -2e20] }]), '/1/a/1 = -200000000000000000000');
});

test('100 000 trials in one file: read and checked without a crash, and the same run twice counts once', async () => {
  const result = parsed();
  const trials = result.trials;
  // Each trial keeps its boot and metrics but no resource figures and no samples: 100 000 full trials are about
  // 900 MB, which the size bound refuses (above); this file is within it.
  const small = trials.map((trial) => ({
    ...trial,
    resources: {},
    series: { ...(trial.series as object), tMs: [], columns: {}, events: [] },
  }));
  result.trials = Array.from({ length: 100_000 }, (_, index) => ({
    ...small[index % small.length],
    trialId: `t-${index}`,
    rep: Math.floor(index / small.length) + 1,
  }));
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-hostile-'));
  try {
    const text = JSON.stringify(result);
    assert.ok(text.length < maxResultBytes);
    writeFileSync(join(dir, 'many.json'), text);
    writeFileSync(join(dir, 'copy.json'), text);
    const { files, skipped } = await readResults([dir], (path, read: ResultFile) => ({
      read,
      summary: summarizeRun(path, read, 'absolute'),
    }));
    assert.equal(files.length, 1);
    assert.match(skipped[0]?.reason ?? '', /^the same run \(.*\) as .*copy\.json$/);
    // The run against itself as a baseline is refused (never its own baseline): one clear error, no crash.
    assert.throws(
      () => checkRuns([files[0]!.summary], [files[0]!.read], { crossHost: false }),
      (error: unknown) => error instanceof UsageError && /no baseline run left/.test(error.message),
    );
    const other = { ...files[0]!.summary, path: join(dir, 'other.json'), runId: 'another-run' };
    const report = checkRuns([other], [files[0]!.read], { crossHost: false });
    assert.ok(['unchanged', 'inconclusive'].includes(report.outcome), report.outcome);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("names reports print as they are (runtime, workload, figure, phase, unit, label) must look like twinbench's: a link, an autolink or markup in one is refused naming it", () => {
  const cases: [string, (result: Record<string, unknown> & { trials: Record<string, unknown>[] }) => void, RegExp][] = [
    [
      'label',
      (result) =>
        ((result.runtimes as Record<string, Record<string, unknown>>).docker!.label =
          'Docker [x](javascript:alert(1))'),
      /\/runtimes\/docker\/label "Docker \[x\]\(javascript:alert\(1\)\)" is not a label name$/,
    ],
    [
      'fact name',
      (result) =>
        ((result.runtimes as Record<string, Record<string, unknown>>).docker!.facts = [
          { key: 'engineVersion', name: '<img src=x onerror=alert(1)>', value: '20' },
        ]),
      /\/runtimes\/docker\/facts\/0\/name "<img src=x onerror=alert\(1\)>" is not a label name$/,
    ],
    [
      'workload',
      (result) => (result.trials[0]!.workload = '<img src=x>'),
      /trial 1 workload "<img src=x>" is not a workload name$/,
    ],
    [
      'metric',
      (result) => ((result.trials[4]!.metrics as Record<string, unknown>[])[0]!.name = 'www.example.invalid'),
      /trial 5 metric "www\.example\.invalid" is not a figure name$/,
    ],
    [
      'unit',
      (result) => ((result.trials[4]!.metrics as Record<string, unknown>[])[0]!.unit = 'http://x'),
      /trial 5 metric unit "http:\/\/x" is not a unit name$/,
    ],
    [
      'resource',
      (result) => {
        const resources = result.trials[0]!.resources as Record<string, unknown>;
        resources['a|b'] = resources['cgroup.memory_usage_bytes'];
      },
      /trial 1 resources key "a\|b" is not a figure name$/,
    ],
    [
      'boot phase',
      (result) =>
        ((result.trials[0]!.boot as { phases: Record<string, unknown>[] }).phases[0]!.name = '[x](javascript:1)'),
      /trial 1 boot phase "\[x\]\(javascript:1\)" is not a phase name$/,
    ],
    [
      'workload used',
      (result) => (result.workloads = { '<b>': { network: true, scratch: false } }),
      /\/workloads key "<b>" is not a workload name$/,
    ],
  ];
  for (const [name, change, message] of cases) {
    const result = parsed();
    change(result);
    assert.throws(
      () => parseResult(JSON.stringify(result), 'names.json'),
      (error: unknown) =>
        error instanceof UsageError && message.test(error.message) && error.message.startsWith('names.json: '),
      name,
    );
  }
  assert.doesNotThrow(() => parseResult(sample, 'fine.json'));
  // Every phase name a runtime of this build writes reads back (Vagrant's has a space).
  const phases = parsed();
  (phases.trials[0]!.boot as { phases: Record<string, unknown>[] }).phases = [
    'vagrant cli+define',
    'qemu+firmware',
    'initramfs+agent',
    'start+ready',
    'spawn+ready',
  ].map((name) => ({ name, ms: 1, clock: 'host' }));
  assert.doesNotThrow(() => parseResult(JSON.stringify(phases), 'phases.json'));
});
