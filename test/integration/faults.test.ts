import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { validateResult } from '../../src/results/schema.js';
import { guestRuns, leftovers, readResult, runBench, startBench, stderrOf, waitUntil } from './helpers.js';

/** The built image set, as `bench images build` prints it (cached after the first build). */
async function images(): Promise<{ initrdPath: string }> {
  const run = await runBench(['images', 'build']);
  assert.equal(run.exitCode, 0, run.all);
  return JSON.parse(run.stdout) as { initrdPath: string };
}

/** The real initramfs with a second cpio appended whose /init replaces ours (Linux unpacks both in order). */
async function initrdWithInit(script: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-initrd-'));
  mkdirSync(join(dir, 'extra'));
  writeFileSync(join(dir, 'extra', 'init'), script);
  chmodSync(join(dir, 'extra', 'init'), 0o755);
  await execa('cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0', '-F', join(dir, 'extra.cpio')], {
    cwd: join(dir, 'extra'),
    input: '.\n./init\n',
  });
  const combined = join(dir, 'initrd');
  // Compressed like the first archive: the kernel did not pick up a plain cpio appended to a gzip one.
  writeFileSync(
    combined,
    Buffer.concat([readFileSync((await images()).initrdPath), gzipSync(readFileSync(join(dir, 'extra.cpio')))]),
  );
  return combined;
}

test('a guest that never prints READY: errored with the reason and its console, the run goes on, exit 4', {
  timeout: 180_000,
}, async () => {
  const initrd = await initrdWithInit(
    '#!/bin/busybox sh\n/bin/busybox echo "stuck before the agent"\nexec /bin/busybox sleep 600\n',
  );
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const run = await runBench([
    'all',
    '--suite',
    'quick',
    '--workloads',
    'idle',
    '--reps',
    '1',
    '--initrd',
    initrd,
    '--ready-timeout',
    '8',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  assert.equal(run.exitCode, 4, run.all);
  const { result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  const vm = result.trials.find((t) => t.runtime === 'qemu');
  const container = result.trials.find((t) => t.runtime === 'docker');
  assert.equal(container?.state, 'completed', 'the container trial still ran');
  assert.equal(vm?.state, 'errored');
  assert.ok(vm?.state === 'errored');
  assert.match(vm.error, /never printed READY within 8 s/);
  assert.match(vm.consoleTail ?? '', /stuck before the agent/);
  assert.deepEqual(await leftovers(), []);
});

test("a guest kernel panic: errored trial naming QEMU's exit, nothing left behind", { timeout: 180_000 }, async () => {
  const initrd = await initrdWithInit('#!/bin/busybox sh\n/bin/busybox echo "about to die"\nexit 1\n');
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const run = await runBench([
    'all',
    '--runtimes',
    'qemu',
    '--workloads',
    'idle',
    '--reps',
    '1',
    '--initrd',
    initrd,
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  assert.equal(run.exitCode, 4, run.all);
  const { result } = readResult(run.stdout);
  const [vm] = result.trials;
  assert.ok(vm?.state === 'errored');
  assert.match(vm.error, /QEMU exited .* before the agent printed EXIT/);
  assert.match(vm.consoleTail ?? '', /about to die/);
  assert.deepEqual(await leftovers(), []);
});

test('Ctrl-C mid-run: exit 130, results so far written, the rest aborted, nothing left behind', {
  timeout: 180_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const child = startBench(['all', '--suite', 'quick', '--out', out]);
  const seen = stderrOf(child);
  await waitUntil('"[2/6] … idle #1 running"', () => /\[2\/6\] \w+ idle #1 running/.test(seen()));
  // The second guest of the first repetition runs (the first is gone by then): Ctrl-C lands mid-trial.
  await waitUntil("the second trial's guest in its cgroup", guestRuns);
  child.kill('SIGINT');
  const run = await child;
  assert.equal(run.exitCode, 130, run.all);
  const { result } = readResult(run.stdout);
  assert.deepEqual(validateResult(result), []);
  assert.equal(result.status, 'interrupted');
  assert.equal(result.trials[0]?.state, 'completed', 'the trial finished before Ctrl-C is kept');
  assert.equal(result.trials[1]?.state, 'aborted');
  assert.ok(result.trials.slice(2).every((t) => t.state === 'aborted'));
  assert.deepEqual(await leftovers(), []);
});
