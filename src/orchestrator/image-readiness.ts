import { request } from 'node:http';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostEndpoint } from '../backends/backend.js';
import type { ImageReadiness } from '../config/workload-manifest.js';

/** Pause between two failed attempts: the granularity of a user's image's READY time. */
export const readinessPollMs = 10;

/** One TCP connect; resolves with performance.now() at the connection, or undefined when refused. */
function tryConnect(endpoint: HostEndpoint): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => {
      const at = performance.now();
      socket.destroy();
      resolve(at);
    });
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => resolve(undefined));
  });
}

/** One HTTP GET; resolves with performance.now() at a 2xx status line, or undefined. */
function tryHttp(endpoint: HostEndpoint, path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: endpoint.host, port: endpoint.port, path, method: 'GET', agent: false, timeout: 1000 }, (response) => {
      const at = performance.now();
      response.resume();
      resolve(response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300 ? at : undefined);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Poll a user's image from the host until it answers (`port`: a TCP connect succeeds; `http`: GET PATH
 * returns 2xx), every readinessPollMs; resolves with the host time of the first answer, or undefined when
 * `signal` ends the wait first (the trial's READY budget fails the trial then).
 */
export async function pollReadiness(readiness: Exclude<ImageReadiness, { kind: 'log' }>, endpoint: HostEndpoint, signal: AbortSignal): Promise<number | undefined> {
  while (!signal.aborted) {
    const at = readiness.kind === 'port' ? await tryConnect(endpoint) : await tryHttp(endpoint, readiness.path);
    if (at !== undefined) return at;
    await sleep(readinessPollMs, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}
