import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { validateResult } from '../../src/results/schema.js';
import type { CompletedTrial } from '../../src/results/types.js';
import { leftovers, readResult, runBench } from './helpers.js';

const hostIsArm = process.arch === 'arm64';

test('arm64 guest on an x86_64 host: the same suite in qemu-system-aarch64 and in Docker, all marked emulated', {
  timeout: 900_000,
  skip: hostIsArm ? 'the host is arm64: its native run is the main integration test' : false,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-arm64-'));
  const run = await runBench([
    'all',
    '--arch',
    'arm64',
    '--suite',
    'quick',
    '--reps',
    '1',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  assert.equal(run.exitCode, 0, run.all);
  const { path, result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assert.equal(result.config.arch, 'arm64');
  assert.equal(result.runtimes.qemu?.emulated, true);
  assert.equal(result.runtimes.docker?.emulated, true);
  assert.equal(result.runtimes.qemu?.info.binary, 'qemu-system-aarch64');
  assert.equal(result.runtimes.qemu?.info.machineType, 'virt');
  assert.equal(result.runtimes.qemu?.info.cpuModel, 'max,pauth-impdef=on');
  assert.equal(result.runtimes.docker?.info.imageArchitecture, 'arm64');
  assert.match(result.runtimes.qemu?.info.acceleratorReason as string, /foreign architecture/);
  const trials = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  assert.equal(trials.length, 4);
  for (const trial of trials) {
    assert.ok(
      trial.boot.bootToReadyMs > 10 && trial.boot.bootToReadyMs < 120_000,
      `${trial.trialId} ${trial.boot.bootToReadyMs}`,
    );
    assert.ok(trial.resources['cgroup.cpu_seconds']!.last! > 0, `${trial.trialId} used CPU`);
  }
  const eps = trials.filter((t) => t.workload === 'cpu').map((t) => t.metrics[0]?.value ?? 0);
  assert.ok(eps.every((value) => value > 0));
  // Against an x86_64 result: ratios only, and said so.
  const amd64 = join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json');
  const compare = await runBench(['compare', amd64, path]);
  assert.equal(compare.exitCode, 0, compare.all);
  assert.match(
    compare.stdout,
    /different guest architectures \(amd64, arm64\): absolute figures are not compared, only ratios/,
  );
  assert.doesNotMatch(compare.stdout, /## Figures/);
  const check = await runBench([
    'check',
    '--baseline',
    amd64,
    path,
    '--junit',
    join(out, 'c.xml'),
    '--summary',
    join(out, 'c.md'),
  ]);
  assert.equal(check.exitCode, 2);
  assert.match(check.stderr, /baseline ran amd64 guests, current arm64: .* pass --cross-host/);
  assert.deepEqual(await leftovers(), []);
});
