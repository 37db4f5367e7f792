import assert from 'node:assert/strict';
import { createServer as createHttp } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { pollReadiness } from '../../../src/orchestrator/image-readiness.js';

/** A free loopback port (listened on, then closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('port readiness: the first connect that succeeds, after refusals, is READY', async () => {
  const port = await freePort();
  const server = createServer((socket) => socket.end());
  const opensAt = performance.now() + 300;
  setTimeout(() => server.listen(port, '127.0.0.1'), 300);
  try {
    const at = await pollReadiness({ kind: 'port', port }, { host: '127.0.0.1', port }, AbortSignal.timeout(5000));
    assert.ok(at !== undefined && at >= opensAt - 5, `ready at ${at}, listener opened at ${opensAt}`);
  } finally {
    server.close();
  }
});

test('http readiness waits for a 2xx answer; a wait that is cut short says undefined', async () => {
  let healthy = false;
  const server = createHttp((request, response) => {
    response.statusCode = request.url === '/health' && healthy ? 204 : 503;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    assert.equal(
      await pollReadiness(
        { kind: 'http', port, path: '/health' },
        { host: '127.0.0.1', port },
        AbortSignal.timeout(200),
      ),
      undefined,
    );
    setTimeout(() => (healthy = true), 100);
    assert.notEqual(
      await pollReadiness(
        { kind: 'http', port, path: '/health' },
        { host: '127.0.0.1', port },
        AbortSignal.timeout(5000),
      ),
      undefined,
    );
  } finally {
    server.close();
  }
});
