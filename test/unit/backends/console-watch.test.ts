import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TrialObserver } from '../../../src/backends/backend.js';
import { ConsoleWatch } from '../../../src/backends/console-watch.js';

const observer: TrialObserver = { guestStarted: () => undefined, agentEvent: async () => undefined, guestEndpoints: () => undefined, guestExited: async () => undefined };
const options = { readyTimeoutMs: 40, workloadTimeoutMs: 1000, signal: new AbortController().signal };

test('the READY budget runs from construction by default', async () => {
  const watch = new ConsoleWatch(observer, options);
  await assert.rejects(watch.done, /never printed READY within 0.04 s of starting/);
});

test("with readyClock 'on-start', time before guestStarted() is not the guest's: a slow runtime CLI does not fail the guest", async () => {
  const watch = new ConsoleWatch(observer, { ...options, readyClock: 'on-start' });
  await sleep(80);
  assert.equal(watch.settled, false);
  watch.guestStarted();
  watch.feed('TWINBENCH READY uptime_s=1.5\nTWINBENCH EXIT status=0\n');
  const result = await watch.done;
  assert.equal(result.readyUptimeSeconds, 1.5);
});

test("with readyClock 'on-start', the budget applies once the guest started", async () => {
  const watch = new ConsoleWatch(observer, { ...options, readyClock: 'on-start' });
  watch.guestStarted();
  await assert.rejects(watch.done, /never printed READY within 0.04 s/);
});
