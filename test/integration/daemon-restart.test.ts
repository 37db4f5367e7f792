import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import { guestRuns, leftovers, readResult, runBench, startBench, stderrOf, waitUntil } from './helpers.js';

/** Where setup recorded the dockerd it started (scripts/setup.sh, $TWINBENCH_STARTED), if it started one. */
const pidfile = process.env.TWINBENCH_STARTED ? join(process.env.TWINBENCH_STARTED, 'dockerd.pid') : undefined;
const ours = pidfile !== undefined && existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() !== '';

async function engineAnswers(): Promise<boolean> {
  return new Docker().ping().then(
    () => true,
    () => false,
  );
}

// It restarts the engine the other tests use exactly as it was started (the same command line, so the crun
// runtime setup registered is there again), and waits until it answers: the tests after it find it as before.
test('Docker daemon restarted mid-run: errored trials with the reason, the run ends, bench clean leaves nothing', {
  timeout: 180_000,
  skip: ours ? false : 'dockerd was not started by scripts/test.sh, so it is not ours to restart',
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const child = startBench([
    'all',
    '--runtimes',
    'docker',
    '--workloads',
    'idle',
    '--reps',
    '3',
    '--suite',
    'quick',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  const seen = stderrOf(child);
  await waitUntil('"[1/3] docker idle #1 running"', () => /\[1\/3\] docker idle #1 running/.test(seen()));
  await waitUntil("the first trial's container in its cgroup", guestRuns);
  const oldPid = Number(readFileSync(pidfile!, 'utf8'));
  // How setup started it (e.g. --add-runtime crun=…): the restart repeats it, and the test checks it took.
  const argv = readFileSync(`/proc/${oldPid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const runtimesBefore = Object.keys((await new Docker().info()).Runtimes ?? {}).sort();
  process.kill(oldPid, 'SIGTERM');
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await waitUntil(`dockerd ${oldPid} to exit`, () => !alive(oldPid), 20_000);
  const log = openSync('/var/log/twinbench-dockerd.log', 'a');
  const dockerd = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  dockerd.unref();
  writeFileSync(pidfile!, String(dockerd.pid));
  const run = await child;
  await waitUntil('the restarted engine to answer', engineAnswers, 60_000, 500);
  assert.deepEqual(
    Object.keys((await new Docker().info()).Runtimes ?? {}).sort(),
    runtimesBefore,
    'the restarted engine has the OCI runtimes it had (crun)',
  );

  assert.equal(run.exitCode, 4, run.all);
  const { result } = readResult(run.stdout);
  assert.equal(result.trials.length, 3);
  const errored = result.trials.filter((trial) => trial.state === 'errored');
  assert.ok(errored.length >= 1);
  for (const trial of errored)
    assert.match(trial.state === 'errored' ? trial.error : '', /container output ended|docker|connect|socket/i);
  const clean = await runBench(['clean']);
  assert.equal(clean.exitCode, 0, clean.all);
  assert.deepEqual(await leftovers(), []);
});
