import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { validateResult } from '../../src/results/schema.js';
import { guestRuns, harnessPids, leftovers, readResult, runBench, startBench, stderrOf, waitUntil } from './helpers.js';

/** Start a run and resolve once stderr shows `marker`. */
async function startUntil(args: string[], marker: RegExp, t: TestContext) {
  const child = startBench(args);
  // Whatever happens in the test, its run must not outlive it (it would leave things to the next test).
  t.after(async () => {
    child.kill('SIGINT');
    await child;
  });
  const seen = stderrOf(child);
  await waitUntil(String(marker), () => marker.test(seen()));
  // Wrapped: an async function returning the subprocess promise would wait for it to finish.
  return { child };
}

/** QEMU processes of a run: in a twinbench cgroup and named qemu-system-*. */
function qemuPids(): number[] {
  return harnessPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('qemu-system');
    } catch {
      return false;
    }
  });
}

test('SIGTERM during a container trial: exit 143, results so far written, nothing left behind', {
  timeout: 120_000,
}, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const { child } = await startUntil(
    ['all', '--suite', 'quick', '--runtimes', 'docker', '--warmup', '0', '--out', out],
    /\[2\/3\] docker idle #2 running/,
    t,
  );
  await waitUntil("the second trial's container in its cgroup", guestRuns);
  child.kill('SIGTERM');
  const run = await child;
  assert.equal(run.exitCode, 143, run.all);
  const { result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assert.deepEqual(
    result.trials.map((t) => t.state),
    ['completed', 'aborted', 'aborted'],
  );
  assert.deepEqual(await leftovers(), []);
});

test('a second Ctrl-C while cleaning up leaves nothing half-removed', { timeout: 120_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const { child } = await startUntil(
    ['all', '--runtimes', 'qemu', '--workloads', 'idle', '--reps', '2', '--warmup', '0', '--out', out],
    /\[1\/2\] qemu idle #1 running/,
    t,
  );
  await waitUntil("the trial's QEMU in its cgroup", () => qemuPids().length > 0);
  // Back to back: the second arrives while the first is being handled (cleanup itself takes ~50 ms).
  child.kill('SIGINT');
  child.kill('SIGINT');
  const run = await child;
  assert.equal(run.exitCode, 130, run.all);
  assert.deepEqual(await leftovers(), []);
  const clean = await runBench(['clean']);
  assert.doesNotMatch(clean.stderr, /removed/, 'the next clean finds nothing');
});

test('QEMU killed with SIGKILL mid-trial: that trial errored with the reason, the next one runs, exit 4', {
  timeout: 120_000,
}, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const { child } = await startUntil(
    ['all', '--runtimes', 'qemu', '--workloads', 'idle', '--reps', '2', '--warmup', '0', '--out', out],
    /\[1\/2\] qemu idle #1 running/,
    t,
  );
  let pids: number[] = [];
  await waitUntil(
    "the trial's QEMU in its cgroup",
    () => {
      pids = qemuPids();
      return pids.length > 0;
    },
    5000,
    50,
  );
  assert.equal(pids.length, 1);
  process.kill(pids[0]!, 'SIGKILL');
  const run = await child;
  assert.equal(run.exitCode, 4, run.all);
  const { result } = readResult(run.stdout);
  assert.ok(result.trials[0]?.state === 'errored');
  assert.match(result.trials[0].error, /QEMU exited \(code SIGKILL\) before the agent printed EXIT/);
  assert.equal(result.trials[1]?.state, 'completed');
  assert.deepEqual(await leftovers(), []);
});

test('a container killed from outside: errored trial, the run goes on, exit 4', { timeout: 120_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const { child } = await startUntil(
    [
      'all',
      '--runtimes',
      'docker',
      '--workloads',
      'idle',
      '--reps',
      '2',
      '--suite',
      'quick',
      '--warmup',
      '0',
      '--out',
      out,
    ],
    /\[1\/2\] docker idle #1 running/,
    t,
  );
  const docker = new Docker();
  let killed = false;
  for (let i = 0; i < 100 && !killed; i++, await sleep(50)) {
    const [first] = await docker.listContainers({ filters: { label: ['io.twinbench.run'] } });
    if (first) {
      await docker.getContainer(first.Id).kill();
      killed = true;
    }
  }
  assert.ok(killed);
  const run = await child;
  assert.equal(run.exitCode, 4, run.all);
  const { result } = readResult(run.stdout);
  assert.ok(result.trials[0]?.state === 'errored');
  assert.match(result.trials[0].error, /container output ended before the agent printed EXIT/);
  assert.equal(result.trials[1]?.state, 'completed');
  assert.deepEqual(await leftovers(), []);
});

test('a workload that hangs past its timeout: errored in every runtime, guests removed, exit 4', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench suite '));
  const suite = join(dir, 'hang.json');
  writeFileSync(
    suite,
    JSON.stringify({
      runtimes: ['native', 'docker', 'qemu'],
      workloads: [{ name: 'idle', reps: 1, params: { duration_s: 300 }, timeoutSeconds: 3 }],
    }),
  );
  const run = await runBench(['all', '--suite', suite, '--warmup', '0', '--out', join(dir, 'out')]);
  assert.equal(run.exitCode, 4, run.all);
  const { result } = readResult(run.stdout);
  assert.equal(result.trials.length, 3);
  for (const trial of result.trials) {
    assert.ok(trial.state === 'errored', trial.trialId);
    assert.match(trial.error, /workload did not finish within 3 s after READY/);
    assert.ok(trial.boot && trial.boot.bootToReadyMs > 0, `${trial.trialId} keeps its boot time: it did boot`);
  }
  assert.deepEqual(await leftovers(), []);
});

test('disk full while writing results: one clear line, exit 6, results saved elsewhere, older files untouched', {
  timeout: 120_000,
}, async () => {
  const mount = mkdtempSync(join(tmpdir(), 'twinbench-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mount]);
  try {
    mkdirSync(join(mount, 'results'));
    writeFileSync(join(mount, 'results', 'older.json'), 'previous result');
    const run = await runBench([
      'all',
      '--runtimes',
      'docker',
      '--workloads',
      'idle',
      '--reps',
      '1',
      '--suite',
      'quick',
      '--warmup',
      '0',
      '--out',
      join(mount, 'results'),
    ]);
    assert.equal(run.exitCode, 6, run.all);
    assert.match(run.stderr, /bench: cannot write .*\.json: disk full/);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
    const rescued = /the results were saved to (\S+) instead/.exec(run.stderr)?.[1];
    assert.ok(rescued && existsSync(rescued), run.stderr);
    assert.deepEqual(validateResult(JSON.parse(readFileSync(rescued, 'utf8'))), []);
    assert.equal(readFileSync(join(mount, 'results', 'older.json'), 'utf8'), 'previous result');
    assert.deepEqual(readdirSync(join(mount, 'results')), ['older.json'], 'no temp file left');
    assert.deepEqual(await leftovers(), []);
  } finally {
    execFileSync('umount', [mount]);
  }
});
