import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostEndpoint } from '../contract/backend.js';
import type { ImageReadiness } from '../config/workload-manifest.js';
import { connectedAt } from '../host/tcp-connect.js';

/** A new attempt starts this often: the granularity of a user's image's READY time. */
const readinessPollMs = 10;
/** How long one attempt may wait for an answer. */
const attemptTimeoutMs = 1000;

/** One HTTP GET; resolves with performance.now() at a 2xx status line, or undefined. */
function tryHttp(endpoint: HostEndpoint, path: string, stop: AbortSignal): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        path,
        method: 'GET',
        agent: false,
        timeout: attemptTimeoutMs,
        signal: stop,
      },
      (response) => {
        const at = performance.now();
        response.resume();
        resolve(
          response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300 ? at : undefined,
        );
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.once('close', () => resolve(undefined));
    req.end();
  });
}

/**
 * Poll a user's image from the host until it answers (`port`: a TCP connect succeeds; `http`: GET PATH
 * returns 2xx). A new attempt starts every readinessPollMs without waiting for the last one: a VM whose
 * network is not up yet drops SYNs silently, and waiting out each one would put READY on a one-second
 * grid. Resolves with the host time of the first answer, or undefined when `signal` ends the wait first.
 */
export async function pollReadiness(
  readiness: Exclude<ImageReadiness, { kind: 'log' }>,
  endpoint: HostEndpoint,
  signal: AbortSignal,
): Promise<number | undefined> {
  const done = new AbortController();
  const stop = AbortSignal.any([signal, done.signal]);
  let answeredAt: number | undefined;
  const attempts = new Set<Promise<void>>();
  while (!stop.aborted) {
    const attempt = (
      readiness.kind === 'port'
        ? connectedAt(endpoint, { timeoutMs: attemptTimeoutMs, signal: stop })
        : tryHttp(endpoint, readiness.path, stop)
    ).then((at) => {
      if (at !== undefined && !done.signal.aborted) {
        answeredAt = at;
        done.abort();
      }
      attempts.delete(attempt);
    });
    attempts.add(attempt);
    await sleep(readinessPollMs, undefined, { signal: stop }).catch(() => undefined);
  }
  done.abort();
  await Promise.all(attempts);
  return answeredAt;
}
