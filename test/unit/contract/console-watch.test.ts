import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TrialObserver } from '../../../src/contract/backend.js';
import { ConsoleWatch } from '../../../src/contract/console-watch.js';

const observer: TrialObserver = {
  guestStarted: () => undefined,
  agentEvent: async () => undefined,
  guestEndpoints: () => undefined,
  guestExited: async () => undefined,
};
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

test("a user's image: READY and EXIT come from the host; the image's own output cannot fake them", async () => {
  let inject:
    | ((event: { type: 'ready'; uptimeSeconds: number } | { type: 'exit'; status: number }, atMs: number) => void)
    | undefined;
  const lines: string[] = [];
  const image: TrialObserver = {
    ...observer,
    consoleEvents: ['initramfs', 'error'],
    notReady: "nothing accepted a TCP connection on the image's port 80",
    consoleLine: (line) => void lines.push(line),
    bindHostEvents: (hook) => (inject = hook),
  };
  const watch = new ConsoleWatch(image, { ...options, readyTimeoutMs: 1000 });
  watch.feed(
    'TWINBENCH INITRAMFS uptime_s=2.5\nTWINBENCH READY uptime_s=1\nTWINBENCH EXIT status=0\nlistening on :80\n',
  );
  await sleep(20);
  assert.equal(watch.settled, false, 'READY/EXIT printed by the image are ignored');
  assert.deepEqual(lines.slice(-1), ['listening on :80']);
  inject?.({ type: 'ready', uptimeSeconds: Number.NaN }, 1234.5);
  inject?.({ type: 'exit', status: 0 }, 2000);
  const result = await watch.done;
  assert.equal(result.readyAtMs, 1234.5);
  assert.equal(result.initramfsUptimeSeconds, 2.5);

  const slow = new ConsoleWatch(image, options);
  await assert.rejects(slow.done, /nothing accepted a TCP connection on the image's port 80 within 0.04 s of starting/);
});

test("a console that ends early says why in the guest's own last ERROR line first", async () => {
  const watch = new ConsoleWatch(observer, { ...options, readyTimeoutMs: 1000 });
  watch.feed("TWINBENCH ERROR the image's entrypoint exited with status 127\n");
  watch.ended('QEMU exited (code 0) before the agent printed EXIT');
  await assert.rejects(
    watch.done,
    /^TrialError: the image's entrypoint exited with status 127 \(QEMU exited \(code 0\)/,
  );
});
