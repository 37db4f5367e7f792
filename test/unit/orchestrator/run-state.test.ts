import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findDeadRuns, writeRunState, type RunState } from '../../../src/orchestrator/run-state.js';

const base = { startedAt: '2026-12-05T00:00:00.000Z', runDir: '/tmp/x' };
const write = (dir: string, state: RunState) => writeFileSync(join(dir, `${state.runId}.json`), JSON.stringify(state));

test('a run records who its process is (boot id, start time), and while that process lives it is not dead', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-state-'));
  await writeRunState(dir, { runId: 'live', pid: process.pid, ...base });
  const state = JSON.parse(readFileSync(join(dir, 'live.json'), 'utf8')) as RunState;
  assert.equal(state.bootId, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  assert.equal(state.pidStartTicks, Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[19]));
  assert.deepEqual(await findDeadRuns(dir), []);
});

test('a reused pid does not hide a dead run: another start time, or another boot, with the same pid, is dead', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-state-'));
  await writeRunState(dir, { runId: 'model', pid: process.pid, ...base });
  const live = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Required<RunState>;
  write(dir, { ...live, runId: 'reused-pid', pidStartTicks: live.pidStartTicks - 1 });
  write(dir, { ...live, runId: 'before-reboot', bootId: '00000000-0000-0000-0000-000000000000' });
  const dead = (await findDeadRuns(dir)).map((state) => state.runId).sort();
  assert.deepEqual(dead, ['before-reboot', 'reused-pid']);
});

test('state files of older versions (no identity): the pid alone decides, as before', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-state-'));
  write(dir, { runId: 'old-live', pid: process.pid, ...base });
  write(dir, { runId: 'old-gone', pid: 2 ** 22 + 1, ...base });
  writeFileSync(join(dir, 'broken.json'), '{');
  assert.deepEqual((await findDeadRuns(dir)).map((state) => state.runId).sort(), ['broken', 'old-gone']);
});
