import type { AgentEvent } from '../contract/agent-protocol.js';
import type { HostEndpoint, TrialObserver } from '../contract/backend.js';
import type { ImageReadiness, ImageWorkload } from '../config/workload-manifest.js';
import { pollReadiness } from './image-readiness.js';

/** What a trial of a user's image adds to the observer, and how the trial reports what the host saw. */
export interface HostObserved {
  readonly observer: Pick<TrialObserver, 'consoleEvents' | 'notReady' | 'consoleLine' | 'bindHostEvents'>;
  /** The guest is reachable there: start polling (`port`, `http` readiness). */
  endpointsKnown(endpoints: ReadonlyMap<string, HostEndpoint>): void;
  /** Add an event the host observed to the console watch's order (no-op before the watch exists). */
  inject(event: AgentEvent, atMs: number): void;
}

/** The error when a user's image never became ready, in the user's terms. */
function notReadyText(readiness: ImageReadiness): string {
  if (readiness.kind === 'port') return `nothing accepted a TCP connection on the image's port ${readiness.port}`;
  if (readiness.kind === 'http')
    return `GET ${readiness.path} on the image's port ${readiness.port} never answered 2xx`;
  return `no output line of the image matched --ready-log ${JSON.stringify(readiness.pattern)}`;
}

/**
 * For a user's image (`--image`), READY is what the host observes, the same way for every runtime: the
 * first TCP connect, 2xx answer or matching output line; then LISTEN starts the load. The console's own
 * agent lines count only for the initramfs stamp and its errors. Without an image, it adds nothing.
 */
export function hostObserved(image: ImageWorkload | undefined, signal: AbortSignal): HostObserved {
  let inject: ((event: AgentEvent, atMs: number) => void) | undefined;
  if (!image) return { observer: {}, endpointsKnown: () => undefined, inject: () => undefined };
  let ready = false;
  const markReady = (atMs: number) => {
    if (ready || !inject) return;
    ready = true;
    inject({ type: 'ready', uptimeSeconds: Number.NaN }, atMs);
    inject({ type: 'listen' }, atMs);
  };
  const { readiness } = image;
  const pattern = readiness.kind === 'log' ? new RegExp(readiness.pattern) : undefined;
  return {
    observer: {
      consoleEvents: ['initramfs', 'error'],
      notReady: notReadyText(readiness),
      bindHostEvents: (hook) => (inject = hook),
      ...(pattern
        ? { consoleLine: (line: string, atMs: number) => (pattern.test(line) ? markReady(atMs) : undefined) }
        : {}),
    },
    endpointsKnown(endpoints) {
      if (readiness.kind === 'log') return;
      const service = endpoints.get('service');
      if (service)
        void pollReadiness(readiness, service, signal).then((atMs) =>
          atMs === undefined ? undefined : markReady(atMs),
        );
    },
    inject: (event, atMs) => inject?.(event, atMs),
  };
}
