import assert from 'node:assert/strict';
import { visibleRuntimeNames } from '../../../src/runtimes/table.js';
import { test } from 'node:test';
import { resolveSuite } from '../../../src/config/resolve-suite.js';
import { loadWorkloads } from '../../../src/config/workload-manifest.js';
import { UsageError } from '../../../src/errors.js';
import { workloadsDir } from '../../../src/paths.js';

const manifests = loadWorkloads(workloadsDir);

test('default suite: native baseline and both runtimes, 10 repetitions of every workload (enough for the gate at α = 0.01)', () => {
  const config = resolveSuite({}, manifests, 'amd64');
  assert.deepEqual(config.runtimes, ['native', 'docker', 'qemu']);
  assert.ok(config.workloads.every((w) => w.reps === 10));
  assert.equal(config.accel, 'auto');
  assert.equal(config.arch, 'amd64');
});

test('flags override the suite', () => {
  const config = resolveSuite(
    { suite: 'quick', runtimes: 'qemu', workloads: 'cpu', reps: '4', vcpus: '2', memory: '1024' },
    manifests,
    'amd64',
  );
  assert.deepEqual(config.runtimes, ['qemu']);
  assert.deepEqual(
    config.workloads.map((w) => [w.name, w.reps]),
    [['cpu', 4]],
  );
  assert.equal(config.vcpus, 2);
  assert.equal(config.memoryMiB, 1024);
});

test('every bad flag is reported at once, naming the flag, the value and the valid choices', () => {
  assert.throws(
    () =>
      resolveSuite(
        { runtimes: 'docker,firecracker', workloads: 'cpu,gpu', reps: '-1', memory: '12', accel: 'hvf' },
        manifests,
        'amd64',
      ),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.exitCode, 2);
      assert.ok(
        error.message.includes(`--runtimes: unknown "firecracker"; valid: ${visibleRuntimeNames().join(', ')};`),
        error.message,
      );
      assert.match(error.message, /--workloads: unknown "gpu"; valid: .*cpu/);
      assert.match(error.message, /--reps must be a whole number from 1 to 1000, got "-1"/);
      assert.match(error.message, /--memory must be a whole number from 64/);
      assert.match(error.message, /--accel must be auto, kvm or tcg, got "hvf"/);
      return true;
    },
  );
});

test('unknown suite names and unreadable suite files are usage errors', () => {
  assert.throws(
    () => resolveSuite({ suite: 'fast' }, manifests, 'amd64'),
    /--suite must be "default", "quick" or a \.json file, got "fast"/,
  );
  assert.throws(
    () => resolveSuite({ suite: '/nonexistent/suite.json' }, manifests, 'amd64'),
    /--suite "\/nonexistent\/suite.json": cannot read it/,
  );
});

test('huge and fractional numbers are refused', () => {
  assert.throws(() => resolveSuite({ reps: '1e9' }, manifests, 'amd64'), /--reps/);
  assert.throws(() => resolveSuite({ vcpus: '1.5' }, manifests, 'amd64'), /--vcpus/);
  assert.throws(() => resolveSuite({ interval: '99999999999999999999' }, manifests, 'amd64'), /--interval/);
});

test('a suite file is checked field by field, every problem named at once', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const file = join(mkdtempSync(join(tmpdir(), 'twinbench suite ')), 'my suite.json');
  writeFileSync(
    file,
    JSON.stringify({
      runtimes: ['docker', 'kata'],
      vcpus: -2,
      workloads: [{ name: 'cpu', reps: 0, params: { duration_s: '1; rm -rf /' } }],
      colour: 'red',
    }),
  );
  assert.throws(
    () => resolveSuite({ suite: file }, manifests, 'amd64'),
    (error: unknown) => {
      const message = (error as Error).message;
      assert.match(message, /my suite.json: unknown key "colour"/);
      assert.ok(
        message.includes(`"runtimes" must be a non-empty list of ${visibleRuntimeNames().join(', ')}, got`),
        message,
      );
      assert.match(message, /"vcpus" must be a whole number from 1 to 256, got -2/);
      assert.match(message, /workloads\[0\]\.reps must be a whole number/);
      assert.match(message, /workloads\[0\]\.params\.duration_s must be a number or a string of/);
      return true;
    },
  );
  writeFileSync(
    file,
    JSON.stringify({ runtimes: ['docker'], workloads: [{ name: 'idle', reps: 2, params: { duration_s: 1 } }] }),
  );
  const config = resolveSuite({ suite: file }, manifests, 'amd64');
  assert.deepEqual(config.runtimes, ['docker']);
  assert.equal(config.workloads[0]?.reps, 2);
});

test('--cpuset: ranges and lists of host CPUs, recorded normalised; bad or too small sets are usage errors', () => {
  assert.equal(resolveSuite({ cpuset: '1,0', vcpus: '2' }, manifests, 'amd64', 4).cpuset, '0,1');
  assert.equal(resolveSuite({ cpuset: '2-3' }, manifests, 'amd64', 4).cpuset, '2,3');
  assert.equal(resolveSuite({}, manifests, 'amd64', 4).cpuset, undefined);
  for (const [cpuset, why] of [
    ['4', /--cpuset must be a list of host CPUs 0..3 like "0-1,3", got "4"/],
    ['3-1', /got "3-1"/],
    ['a', /got "a"/],
    ['0,', /got "0,"/],
  ] as const) {
    assert.throws(
      () => resolveSuite({ cpuset }, manifests, 'amd64', 4),
      (error: unknown) => error instanceof UsageError && why.test(error.message),
    );
  }
  assert.throws(
    () => resolveSuite({ cpuset: '0', vcpus: '2' }, manifests, 'amd64', 4),
    /has 1 CPU\(s\), fewer than the 2 vCPU\(s\)/,
  );
});

test('the default suite runs every shipped workload but the cache-resident memory variant', () => {
  const config = resolveSuite({}, manifests, 'amd64');
  assert.deepEqual(
    config.workloads.map((w) => w.name).sort(),
    [...manifests.keys()].filter((name) => name !== 'memory-cache').sort(),
  );
});

test('--target-ci: min/max repetitions bound it, with defaults; bad combinations are usage errors that name the flag', () => {
  const config = resolveSuite({ targetCi: '5%' }, manifests, 'amd64');
  assert.deepEqual(config.repetitionPolicy, { targetCi: 0.05, minReps: 6, maxReps: 30 });
  assert.ok(config.workloads.every((w) => w.reps === 6));
  assert.deepEqual(
    resolveSuite({ targetCi: '2.5', minReps: '8', maxReps: '12' }, manifests, 'amd64').repetitionPolicy,
    { targetCi: 0.025, minReps: 8, maxReps: 12 },
  );
  assert.equal(resolveSuite({}, manifests, 'amd64').repetitionPolicy, undefined);
  for (const [flags, why] of [
    [{ targetCi: '0' }, /--target-ci must be a percentage between 0 and 100, like 5%, got "0"/],
    [{ targetCi: 'tight' }, /--target-ci must be a percentage/],
    [{ minReps: '8' }, /--min-reps "8" needs --target-ci/],
    [{ targetCi: '5', reps: '4' }, /--reps "4" and --target-ci exclude each other/],
    [
      { targetCi: '5', maxReps: '5' },
      /--max-reps 5 cannot reach --target-ci: a 95 % interval of a median needs at least 6/,
    ],
    [{ targetCi: '5', minReps: '12', maxReps: '10' }, /--min-reps 12 is above --max-reps 10/],
  ] as const) {
    assert.throws(
      () => resolveSuite(flags, manifests, 'amd64'),
      (error: unknown) => error instanceof UsageError && why.test(error.message),
      JSON.stringify(flags),
    );
  }
});
