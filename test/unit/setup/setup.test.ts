import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planSetup } from '../../../src/cli/setup.js';
import { UsageError } from '../../../src/errors.js';
import type { DaemonSpec, SetupContext } from '../../../src/runtimes/runtime.js';
import { ensureDaemon } from '../../../src/setup/daemon.js';
import { recordStarted } from '../../../src/setup/run-setup.js';

const names = (plan: ReturnType<typeof planSetup>) => plan.runtimes.map((runtime) => runtime.name);

test('setup prepares the runtimes every host gets, those named, and those a run line names, its suite file included', () => {
  assert.deepEqual(names(planSetup({})), ['native', 'docker', 'qemu']);
  assert.deepEqual(names(planSetup({ runtimes: 'lxc,podman' })), ['native', 'docker', 'podman', 'lxc', 'qemu']);
  const all = names(planSetup({ runtimes: 'all' }));
  for (const name of ['docker-crun', 'podman', 'lxc', 'qemu-microvm', 'vagrant']) assert.ok(all.includes(name), name);
  assert.ok(!all.includes('fake'));
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-setup-'));
  try {
    // A runtime named only in a suite file is prepared: the run line is resolved as bench all resolves it.
    const suite = join(dir, 'suite.json');
    writeFileSync(
      suite,
      JSON.stringify({ runtimes: ['lxc', 'qemu-microvm'], workloads: [{ name: 'idle', reps: 1, params: {} }] }),
    );
    const plan = planSetup({ run: { suite, out: join(dir, 'results') } });
    assert.deepEqual(names(plan), ['native', 'docker', 'lxc', 'qemu', 'qemu-microvm']);
    assert.equal(plan.foreign, undefined);
    const foreign = process.arch === 'arm64' ? 'amd64' : 'arm64';
    assert.equal(planSetup({ run: { suite: 'quick', arch: foreign, out: join(dir, 'results') } }).foreign, foreign);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(
    () => planSetup({ runtimes: 'docker,nope', arch: 'sparc' }),
    (error: unknown) =>
      error instanceof UsageError &&
      /--runtimes: unknown runtime 'nope'/.test(error.message) &&
      /--arch takes amd64 or arm64, got 'sparc'/.test(error.message),
  );
});

test('a started daemon is recorded in $TWINBENCH_STARTED and in the legacy pid file its caller named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-started-'));
  try {
    const legacy = join(dir, 'legacy.pid');
    recordStarted('dockerd', 1234, { TWINBENCH_STARTED: join(dir, 'started'), TWINBENCH_DOCKERD_PIDFILE: legacy });
    assert.equal(readFileSync(join(dir, 'started', 'dockerd.pid'), 'utf8'), '1234\n');
    assert.equal(readFileSync(legacy, 'utf8'), '1234\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ensureDaemon starts a daemon that does not answer, records its pid and waits for it; one that dies is said with its log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-daemon-'));
  const said: string[] = [];
  const started: [string, number][] = [];
  const context: SetupContext = {
    say: (line) => said.push(line),
    started: (n, p) => started.push([n, p]),
    systemd: false,
  };
  const ready = join(dir, 'ready');
  const spec = (script: string, timeoutSeconds = 10): DaemonSpec => ({
    name: 'fakeD',
    label: 'fake daemon',
    answers: async () => (existsSync(ready) ? 'v1' : undefined),
    start: () => ({ file: 'sh', args: ['-c', script], log: join(dir, 'log') }),
    timeoutSeconds,
  });
  try {
    await ensureDaemon(spec(`echo starting; sleep 0.3; touch ${ready}; exec sleep 30`), context);
    const [name, pid] = started[0]!;
    assert.equal(name, 'fakeD');
    assert.ok(existsSync(`/proc/${pid}`), 'the daemon outlives its start');
    assert.match(said.at(-1)!, /^fake daemon answers: v1$/);
    assert.match(readFileSync(join(dir, 'log'), 'utf8'), /starting/);
    // Answering already: nothing is started or recorded.
    await ensureDaemon(spec('exit 1'), context);
    assert.equal(started.length, 1);
    process.kill(pid, 'SIGTERM');
    rmSync(ready);
    await assert.rejects(
      ensureDaemon(spec('echo no config >&2; exit 3'), context),
      (error: unknown) =>
        error instanceof Error && /^fakeD exited with status 3 before it answered; see .*log/.test(error.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
