import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runClient, startedNothing } from '../../../src/host-clients/run-client.js';
import { parseIperf3Json } from '../../../src/tools/iperf3.js';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

test('a run that started no test is recognised: refused (non-zero exit, or iperf3 --json exiting 0), or an iperf3 handshake cut before any interval', () => {
  const iperf = (error: string, intervals = '[]') =>
    `{\n\t"start": {},\n\t"intervals": ${intervals},\n\t"end": {\n\t},\n\t"error":\t"${error}"\n}`;
  const refused = iperf('unable to connect to server: Connection refused');
  assert.equal(startedNothing({ exitCode: 0, all: refused, stdout: refused }), true);
  const reset = iperf('unable to receive control message: Connection reset by peer');
  assert.equal(startedNothing({ exitCode: 0, all: reset, stdout: reset }), true);
  assert.equal(startedNothing({ exitCode: 1, all: 'sockperf: ERROR: Failed to connect: Connection refused' }), true);
  // Anything measured, or any other failure, is the trial's error: never retried.
  const midTest = iperf('control socket has closed unexpectedly', '[{"sum": {"bytes": 1}}]');
  assert.equal(startedNothing({ exitCode: 0, all: midTest, stdout: midTest }), false);
  const resetLate = iperf('unable to receive control message: Connection reset by peer', '[{"sum": {"bytes": 1}}]');
  assert.equal(startedNothing({ exitCode: 0, all: resetLate, stdout: resetLate }), false);
  assert.equal(
    startedNothing({ exitCode: 0, all: 'log line: Connection refused once, then connected', stdout: 'log line' }),
    false,
  );
  assert.equal(startedNothing({ exitCode: 1, all: 'No route to host' }), false);
});

test('iperf3 --json against a server that starts late: the client is retried and measures', async () => {
  const port = await freePort();
  const signal = new AbortController().signal;
  let server: ReturnType<typeof spawn> | undefined;
  const late = sleep(700).then(() => {
    server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  });
  try {
    const args = ['-c', '127.0.0.1', '-p', String(port), '-t', '1', '--json'];
    const metrics = await runClient('iperf3', args, { timeoutMs: 20_000, signal }, (out) => parseIperf3Json(out, 'rx'));
    await late;
    const rate = metrics.find((m) => m.name === 'tcp_rx_gbit_per_s');
    assert.ok(rate && rate.value > 0, JSON.stringify(metrics));
  } finally {
    await late;
    server?.kill();
  }
});
