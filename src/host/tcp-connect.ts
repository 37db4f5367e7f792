import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * One TCP connect to `host:port`, closed at once: resolves with performance.now() when it connected, or
 * undefined when it was refused, timed out or stopped by `signal`.
 */
export function connectedAt(
  target: { readonly host: string; readonly port: number },
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const end = () => socket.destroy();
    options.signal?.addEventListener('abort', end, { once: true });
    socket.setTimeout(options.timeoutMs, end);
    socket.once('connect', () => {
      const at = performance.now();
      socket.destroy();
      resolve(at);
    });
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => {
      options.signal?.removeEventListener('abort', end);
      resolve(undefined);
    });
  });
}
