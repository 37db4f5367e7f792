import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseResult } from '../../src/results/read.js';
import { guestRuns, leftovers, runBench, startBench, stderrOf, waitUntil } from './helpers.js';

test('harness killed with SIGKILL mid-VM: the finished trial is kept in the journal, next run warns, bench clean removes the orphaned VM, cgroups and run folder', {
  timeout: 180_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  // The quick suite's 2 s idle (the default's 5 s adds nothing asserted here); its warm-up stays, the journal keeps it.
  const child = startBench([
    'all',
    '--suite',
    'quick',
    '--runtimes',
    'qemu',
    '--workloads',
    'idle',
    '--reps',
    '2',
    '--out',
    out,
  ]);
  const seen = stderrOf(child);
  await waitUntil('"[2/2] qemu idle #2 running"', () => /\[2\/2\] qemu idle #2 running/.test(seen()));
  // The second trial's QEMU is up (the first one's is gone by then): the kill leaves its cgroup.
  await waitUntil("the second trial's QEMU in its cgroup", guestRuns);
  child.kill('SIGKILL');
  await child;
  const left = await leftovers();
  assert.ok(
    left.some((item) => item.startsWith('cgroup')),
    `SIGKILL leaves the VM's cgroup: ${left.join(', ')}`,
  );
  // Each finished trial was on disk before the next began: the journal reads as an interrupted result.
  const journals = readdirSync(out).filter((name) => name.endsWith('.partial.jsonl'));
  assert.equal(journals.length, 1, readdirSync(out).join(', '));
  const kept = parseResult(readFileSync(join(out, journals[0]!), 'utf8'), journals[0]!);
  assert.equal(kept.status, 'interrupted');
  assert.deepEqual(
    kept.trials.map((t) => `${t.trialId} ${t.state}`),
    ['qemu-idle-1 completed'],
  );
  assert.equal(kept.warmups.length, 1);
  const report = await runBench(['report', join(out, journals[0]!)]);
  assert.equal(report.exitCode, 0, report.all);
  assert.match(report.stdout, /stopped before its end/);

  const next = await runBench([
    'all',
    '--suite',
    'quick',
    '--runtimes',
    'docker',
    '--workloads',
    'idle',
    '--reps',
    '1',
    '--warmup',
    '0',
    '--out',
    out,
  ]);
  assert.equal(next.exitCode, 0, next.all);
  assert.match(next.stderr, /warning: leftovers from 1 earlier run\(s\).*run `bench clean`/);

  const clean = await runBench(['clean']);
  assert.equal(clean.exitCode, 0, clean.all);
  assert.match(clean.stderr, /removed leftovers of run/);
  assert.deepEqual(await leftovers(), []);
  const again = await runBench(['clean']);
  assert.doesNotMatch(again.stderr, /removed/);
});
