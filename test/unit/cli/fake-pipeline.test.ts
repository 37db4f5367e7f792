import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { packageRoot } from '../../../src/paths.js';
import { parseResult } from '../../../src/results/read.js';

/**
 * The real CLI, end to end, on the fake runtimes (no engine, no image): bench all → result file → report →
 * check, in seconds, with figures that are a function of runtime kind, workload and repetition only.
 */
const bench = join(packageRoot, 'bin', 'bench.js');
const root = mkdtempSync(join(tmpdir(), 'twinbench-fake-'));
// Nothing here may touch a real engine or the user's cache.
const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', TWINBENCH_CACHE: join(root, 'cache') };

async function fakeRun(name: string, scale = '1'): Promise<string> {
  const out = join(root, name);
  const run = await execa(
    'node',
    [
      bench,
      'all',
      '--runtimes',
      'fake,fake-vm',
      '--workloads',
      'idle,cpu',
      '--reps',
      '8',
      '--warmup',
      '0',
      '--seed',
      '3',
      '--out',
      out,
    ],
    {
      reject: false,
      env: { ...env, TWINBENCH_FAKE_SCALE: scale },
    },
  );
  assert.equal(run.exitCode, 0, run.all ?? run.stderr);
  const file = readdirSync(out).find((entry) => entry.endsWith('.json'));
  assert.ok(file, `no result file in ${out}`);
  return join(out, file);
}

test('bench all on the fake runtimes writes a valid result; check: one baseline run is inconclusive (7), a history of two passes the same run (0) and fails a 1.2× costlier one (1)', async () => {
  const [a, b, c, slower] = [
    await fakeRun('a'),
    await fakeRun('b'),
    await fakeRun('c'),
    await fakeRun('slower', '1.2'),
  ];
  const result = parseResult(readFileSync(a, 'utf8'), a);
  assert.deepEqual(Object.keys(result.runtimes).sort(), ['fake', 'fake-vm']);
  assert.equal(result.runtimes.fake?.kind, 'container');
  assert.equal(result.runtimes['fake-vm']?.kind, 'vm');
  assert.equal(result.trials.length, 2 * 2 * 8);
  assert.ok(result.notes.some((note) => /synthetic figures/.test(note)));
  // Deterministic: the second run's figures are the first's.
  const figures = (path: string) =>
    parseResult(readFileSync(path, 'utf8'), path).trials.map((t) =>
      t.state === 'completed' ? [t.trialId, t.boot.bootToReadyMs, ...t.metrics.map((m) => m.value)] : t.trialId,
    );
  assert.deepEqual(figures(b), figures(a));

  const report = await execa('node', [bench, 'report', a], { reject: false, env });
  assert.equal(report.exitCode, 0, report.stderr);
  // By kind and label, and the pair the kinds make.
  assert.match(
    report.stdout,
    /\| workload \| metric \| container: fake \(synthetic\) \| VM: fake-vm \(synthetic\) \| fake-vm \(synthetic\) vs fake \(synthetic\) \|/,
  );

  // One baseline run says nothing of how runs differ: inconclusive, exit 7, with what would decide it.
  const one = await execa('node', [bench, 'check', '--baseline', a, b], { reject: false, env });
  assert.equal(one.exitCode, 7, one.stdout);
  assert.match(one.stdout, /\*\*Inconclusive\*\*/);
  assert.match(one.stdout, /the run-to-run noise is not estimated; 2 baseline runs at this noise would decide it/);
  // Two earlier runs (the fake's figures do not wander): the same software is unchanged, a 1.2× costlier one regressed.
  const same = await execa('node', [bench, 'check', '--baseline', a, '--baseline', b, c], { reject: false, env });
  assert.equal(same.exitCode, 0, same.stdout);
  assert.match(same.stdout, /\*\*Unchanged\*\*/);
  const worse = await execa('node', [bench, 'check', '--baseline', a, '--baseline', b, slower], { reject: false, env });
  assert.equal(worse.exitCode, 1, worse.stdout);
  assert.match(worse.stdout, /\| regressed \| `fake\/cpu\/events_per_s`/);
});

test('a bad TWINBENCH_FAKE_SCALE is one line and exit 2', async () => {
  const run = await execa(
    'node',
    [bench, 'all', '--runtimes', 'fake', '--workloads', 'idle', '--reps', '1', '--out', join(root, 'bad')],
    {
      reject: false,
      env: { ...env, TWINBENCH_FAKE_SCALE: 'fast' },
    },
  );
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr.trim(), /^bench: TWINBENCH_FAKE_SCALE must be a positive number, got "fast"$/);
});
