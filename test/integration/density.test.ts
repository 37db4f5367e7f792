import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { leftovers, runBench } from './helpers.js';

interface DensityRecord {
  kind: string;
  runtime: { name: string; emulated: boolean };
  steps: {
    count: number;
    completed: number;
    allReadyMs?: number;
    startsPerSecond?: number;
    memoryPerGuestBytes?: number;
  }[];
}

for (const [runtime, count] of [
  ['docker', '4'],
  ['lxc', '4'],
  ['qemu', '2'],
] as const) {
  test(`bench density --runtime ${runtime} --count ${count}: all READY time, starts/s and memory per guest for each step`, {
    timeout: 240_000,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'twinbench-density-'));
    const run = await runBench(['density', '--runtime', runtime, '--count', count, '--out', out]);
    assert.equal(run.exitCode, 0, run.all);
    const path = run.stdout.trim().split('\n').at(-1) ?? '';
    const record = JSON.parse(readFileSync(path, 'utf8')) as DensityRecord;
    assert.equal(record.kind, 'twinbench-density');
    assert.deepEqual(
      record.steps.map((s) => s.count),
      runtime === 'qemu' ? [1, 2] : [1, 2, 4],
    );
    for (const step of record.steps) {
      assert.equal(step.completed, step.count);
      assert.ok(step.allReadyMs! > 0 && step.allReadyMs! < 120_000);
      assert.ok(step.startsPerSecond! > 0);
      const mib = step.memoryPerGuestBytes! / 2 ** 20;
      assert.ok(
        runtime === 'qemu' ? mib > 30 && mib < 400 : mib > 1 && mib < 100,
        `${runtime} ${step.count}: ${mib} MiB per guest`,
      );
    }
    assert.deepEqual(await leftovers(), []);
  });
}

test('bench density refuses a count that would exhaust host memory (exit 2, one line)', async () => {
  const run = await runBench(['density', '--runtime', 'qemu', '--count', '256', '--memory', '65536']);
  assert.equal(run.exitCode, 2, run.all);
  assert.match(run.stderr.trim(), /^bench: --count 256 would exhaust this host's memory/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});
