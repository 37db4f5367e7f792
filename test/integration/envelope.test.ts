import assert from 'node:assert/strict';
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompletedTrial } from '../../src/results/types.js';
import { parseCgroupMounts } from '../../src/sampling/cgroup-paths.js';
import { assertAllCompleted, leftovers, readResult, startBench } from './helpers.js';

const runtimes = ['native', 'docker', 'qemu'] as const;

/** The envelope files of every trial cgroup that exists right now: trial name → "quota memory". */
function envelopesNow(): Map<string, string> {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const mounts = parseCgroupMounts(mountinfo);
  const seen = new Map<string, string>();
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const cpuRoot = mounts.v1.get('cpu') ?? mounts.v2;
  const memoryRoot = mounts.v1.get('memory') ?? mounts.v2;
  if (!cpuRoot || !memoryRoot) return seen;
  let names: string[] = [];
  try {
    names = readdirSync(join(cpuRoot, 'twinbench'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return seen;
  }
  for (const name of names) {
    const quota = mounts.v1.has('cpu')
      ? read(join(cpuRoot, 'twinbench', name, 'cpu.cfs_quota_us'))
      : read(join(cpuRoot, 'twinbench', name, 'cpu.max'))?.split(' ')[0];
    const memory = read(
      join(memoryRoot, 'twinbench', name, mounts.v1.has('memory') ? 'memory.limit_in_bytes' : 'memory.max'),
    );
    if (quota && memory) seen.set(name, `${quota} ${memory}`);
  }
  return seen;
}

test('one envelope for every runtime: the same quota and limit in each trial cgroup while it runs, and a CPU-bound guest is charged about 1 CPU-second per second', {
  timeout: 600_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-envelope-'));
  const child = startBench([
    'all',
    '--runtimes',
    runtimes.join(','),
    '--workloads',
    'cpu',
    '--reps',
    '1',
    '--warmup',
    '0',
    '--suite',
    'quick',
    '--out',
    out,
  ]);
  const seen = new Map<string, string>();
  let running = true;
  void child.finally(() => (running = false));
  while (running) {
    for (const [name, value] of envelopesNow()) seen.set(name, value);
    await sleep(50);
  }
  const run = await child;
  assert.equal(run.exitCode, 0, run.all);
  const { result } = readResult(String(run.stdout));
  assertAllCompleted(result, runtimes.length);
  const MiB = 1024 * 1024;
  for (const runtime of runtimes) {
    const observed = [...seen].find(([name]) => name.endsWith(`-${runtime}-cpu-1`))?.[1];
    // 1 vCPU = a 100 ms quota per 100 ms period; 512 MiB, plus QEMU's stated headroom for the VM.
    const memory = (512 + (runtime === 'qemu' ? 256 : 0)) * MiB;
    assert.equal(observed, `100000 ${memory}`, `${runtime}: envelope seen while it ran (${JSON.stringify([...seen])})`);
    assert.equal(result.runtimes[runtime]?.envelope?.memoryBytes, memory);
    assert.equal(result.runtimes[runtime]?.envelope?.enforced, true);
    const trial = result.trials.find((t): t is CompletedTrial => t.runtime === runtime && t.state === 'completed')!;
    const rows = Object.fromEntries(trial.series.events.map((e) => [e.label, e.row]));
    const cpu = trial.series.columns['cgroup.cpu_seconds']!.values;
    const seconds = (trial.series.tMs[rows.exit!]! - trial.series.tMs[rows.ready!]!) / 1000;
    const perSecond = (cpu[rows.exit!]! - cpu[rows.ready!]!) / seconds;
    assert.ok(
      perSecond >= 0.8 && perSecond <= 1.15,
      `${runtime}: ${perSecond.toFixed(3)} CPU-s per s under a 1-CPU envelope`,
    );
  }
  assert.deepEqual(await leftovers(), []);
});
