import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Docker from 'dockerode';
import { harnessPids, leftovers, readResult, startBench } from './helpers.js';

function allowedCpus(pid: number): string | undefined {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Whether a process is in a harness trial's `guest` leaf (native agent, QEMU), not in a container's group. */
function inGuestLeaf(pid: number): boolean {
  try {
    return /:\/twinbench\/[^/\n]+\/guest$/m.test(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  } catch {
    return false;
  }
}

test('--cpuset pins the native agent, the container and QEMU to the same host CPUs, and is recorded', {
  timeout: 300_000,
  skip: availableParallelism() < 2 && 'needs 2 host CPUs',
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-cpuset-'));
  const cpu = String(availableParallelism() - 1);
  const child = startBench([
    'all',
    '--runtimes',
    'native,docker,qemu',
    '--workloads',
    'cpu',
    '--reps',
    '1',
    '--warmup',
    '0',
    '--suite',
    'quick',
    '--cpuset',
    cpu,
    '--out',
    out,
  ]);
  const seen = new Map<string, Set<string>>();
  const note = (who: string, cpus: string | undefined) =>
    cpus && (seen.get(who) ?? seen.set(who, new Set()).get(who)!).add(cpus);
  const docker = new Docker();
  let done = false;
  void child.finally(() => (done = true));
  while (!done) {
    // The native agent and QEMU sit in their trial's `guest` leaf; a container's processes (also below the
    // trial's group) are read through the engine below.
    for (const pid of harnessPids().filter(inGuestLeaf))
      note(readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('qemu') ? 'qemu' : 'native', allowedCpus(pid));
    for (const info of await docker.listContainers({ filters: { label: ['io.twinbench.run'] } }).catch(() => [])) {
      const pid = (
        await docker
          .getContainer(info.Id)
          .inspect()
          .catch(() => undefined)
      )?.State.Pid;
      if (pid) note('docker', allowedCpus(pid));
    }
    await sleep(200);
  }
  const run = await child;
  assert.equal(run.exitCode, 0, run.all);
  for (const runtime of ['native', 'docker', 'qemu'])
    assert.deepEqual(
      [...(seen.get(runtime) ?? [])],
      [cpu],
      `${runtime} ran on ${[...(seen.get(runtime) ?? [])].join(' ')}`,
    );
  assert.equal(readResult(run.stdout).result.config.cpuset, cpu);
  assert.deepEqual(await leftovers(), []);
});
