import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CompletedTrial } from '../../src/results/types.js';
import { guestRuns, leftovers, readResult, runBench, startBench, stderrOf, waitUntil } from './helpers.js';

/** The runtimes added after the first round, each run on this host as a user would. */
const runtimes = ['qemu-microvm', 'docker-crun', 'podman', 'lxc'] as const;

/** Figures the sampler must have for every runtime, as it has for Docker and QEMU. */
const sampled = [
  'cgroup.memory_working_set_bytes',
  'cgroup.cpu_seconds',
  'guest.pss_bytes',
  'memory.host_pays_bytes',
  'memory.guest_uses_bytes',
];

for (const runtime of runtimes) {
  test(`${runtime}: idle and cpu complete, with the sampler's figures and the workload's score`, {
    timeout: 300_000,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
    const run = await runBench([
      'all',
      '--suite',
      'quick',
      '--runtimes',
      runtime,
      '--reps',
      '1',
      '--warmup',
      '0',
      '--out',
      out,
    ]);
    assert.equal(run.exitCode, 0, run.all);
    const { result } = readResult(run.stdout);
    assert.ok(result.runtimes[runtime as keyof typeof result.runtimes], JSON.stringify(Object.keys(result.runtimes)));
    const trials = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
    assert.deepEqual(trials.map((t) => t.workload).sort(), ['cpu', 'idle']);
    for (const trial of trials) {
      for (const figure of sampled) {
        const summary = trial.resources[figure];
        assert.ok(
          summary && (summary.peak ?? summary.atReady) !== undefined,
          `${trial.trialId} ${figure}: ${JSON.stringify(summary)}`,
        );
      }
    }
    assert.ok(
      (trials.find((t) => t.workload === 'cpu')?.metrics.find((m) => m.name === 'events_per_s')?.value ?? 0) > 0,
    );
    const info = result.runtimes[runtime as keyof typeof result.runtimes]?.info ?? {};
    if (result.runtimes[runtime as keyof typeof result.runtimes]?.kind === 'container') {
      // The engine's per-container helper (containerd's shim, Podman's conmon) is sampled in every container
      // runtime, and counted once: added by PSS when outside the cgroup, already in its usage when inside.
      assert.equal(typeof info['shim'], 'string', JSON.stringify(info));
      for (const trial of trials) {
        assert.ok(
          (trial.resources['shim.pss_bytes']?.peak ?? 0) > 0,
          `${trial.trialId}: ${JSON.stringify(trial.resources['shim.pss_bytes'])}`,
        );
        const pays = trial.resources['memory.host_pays_bytes']?.source ?? '';
        assert.equal(
          pays.includes('shim'),
          info['shimInsideCgroup'] !== true,
          `${trial.trialId}: ${pays} (${String(info['shim'])})`,
        );
      }
    }
    assert.deepEqual(await leftovers(), []);
  });

  test(`${runtime}: Ctrl-C during a trial leaves nothing behind`, { timeout: 180_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
    const child = startBench([
      'all',
      '--runtimes',
      runtime,
      '--workloads',
      'idle',
      '--reps',
      '2',
      '--warmup',
      '0',
      '--out',
      out,
    ]);
    const seen = stderrOf(child);
    await waitUntil('"idle #1 running"', () => /idle #1 running/.test(seen()));
    await waitUntil(`the ${runtime} guest in its cgroup`, guestRuns);
    child.kill('SIGINT');
    const ended = await child;
    assert.equal(ended.exitCode, 130, ended.all);
    assert.deepEqual(await leftovers(), []);
  });
}

test('lxc: SIGKILL of the harness mid-trial leaves the container running; bench clean stops it and removes the rest', {
  timeout: 180_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  const child = startBench([
    'all',
    '--runtimes',
    'lxc',
    '--workloads',
    'idle',
    '--reps',
    '1',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  const seen = stderrOf(child);
  await waitUntil('"idle #1 running"', () => /idle #1 running/.test(seen()));
  await waitUntil('the container in its cgroup', guestRuns);
  child.kill('SIGKILL');
  await child;
  const left = await leftovers();
  assert.ok(
    left.some((item) => item.startsWith('process')) && left.some((item) => item.startsWith('lxc-start')),
    `SIGKILL leaves the container and its monitor: ${left.join(', ')}`,
  );
  const clean = await runBench(['clean']);
  assert.equal(clean.exitCode, 0, clean.all);
  assert.match(clean.all, /removed LXC container lxc-idle-1 of run /);
  assert.deepEqual(await leftovers(), []);
});
