import { UsageError } from '../errors.js';
import { parseIntegerFlag } from './resolve-suite.js';
import type { ImageLoad, ImageReadiness, WorkloadManifest, WorkloadMetric } from './workload-manifest.js';

/** Flags of `bench all` for a user's image. */
export interface ImageRunFlags {
  image?: string;
  readyPort?: string;
  readyHttp?: string;
  readyLog?: string;
  loadDuration?: string;
  loadConnections?: string;
  loadPath?: string;
  loadCmd?: string;
}

/** The workload's name in results and reports when `--image` runs. */
export const imageWorkloadName = 'image';

const defaults = { loadDurationSeconds: 10, loadConnections: 16 };

/** The image flags that mean nothing without `--image`. */
const imageOnly = [
  'readyPort',
  'readyHttp',
  'readyLog',
  'loadDuration',
  'loadConnections',
  'loadPath',
  'loadCmd',
] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Check the image flags before anything runs; every problem named, in `problems`. */
export function checkImageRunFlags(flags: ImageRunFlags & { workloads?: string }, problems: string[]): void {
  if (flags.image === undefined) {
    for (const key of imageOnly) if (flags[key] !== undefined) problems.push(`${flagName(key)} needs --image`);
    return;
  }
  if (flags.image.trim() === '') problems.push('--image needs an image reference or an archive file');
  if (flags.workloads !== undefined) problems.push('--image runs the image as the one workload: leave out --workloads');
  parseIntegerFlag('--ready-port', flags.readyPort, 1, 65535, problems);
  parseIntegerFlag('--load-duration', flags.loadDuration, 0, 3600, problems);
  parseIntegerFlag('--load-connections', flags.loadConnections, 1, 10000, problems);
  for (const key of ['readyHttp', 'loadPath'] as const) {
    const path = flags[key];
    if (path !== undefined && !/^\/[\x21-\x7e]*$/.test(path))
      problems.push(`${flagName(key)} must be a URL path starting with /, got ${JSON.stringify(path)}`);
  }
  if (flags.readyLog !== undefined) {
    try {
      new RegExp(flags.readyLog);
    } catch (error) {
      problems.push(`--ready-log is not a regular expression: ${(error as Error).message}`);
    }
    if (flags.readyPort !== undefined || flags.readyHttp !== undefined)
      problems.push('--ready-log excludes --ready-port and --ready-http (one definition of ready)');
  }
  if (flags.loadCmd !== undefined && !flags.loadCmd.includes('{port}'))
    problems.push('--load-cmd must contain {port} (and usually {host}), where the image is reached');
  if (flags.loadCmd !== undefined && flags.loadConnections !== undefined)
    problems.push('--load-connections is for the built-in load; --load-cmd sets its own');
}

const httpMetrics: WorkloadMetric[] = [
  {
    name: 'http_requests_per_s',
    unit: 'req/s',
    direction: 'higher',
    source: 'host load generator: requests / duration',
    keyFigure: true,
  },
  {
    name: 'http_latency_p50_ms',
    unit: 'ms',
    direction: 'lower',
    source: 'host load generator: latency p50',
    keyFigure: true,
  },
  { name: 'http_latency_p99_ms', unit: 'ms', direction: 'lower', source: 'host load generator: latency p99' },
  // What the load itself cost, outside the guest's envelope: the host side of the comparison.
  {
    name: 'load_client_cpu_seconds',
    unit: 's',
    direction: 'lower',
    source: "the load client's CPU time (harness cgroup, not the trial's)",
  },
];

/**
 * The workload a user's image is: READY and load from the flags, the port from `--ready-port` or the one
 * port the image EXPOSEs (`exposed` undefined = not known yet: the port is settled after conversion).
 */
export function imageWorkload(flags: ImageRunFlags, exposed: readonly number[] | undefined): WorkloadManifest {
  const reference = flags.image ?? '';
  const given = flags.readyPort === undefined ? undefined : Number(flags.readyPort);
  const port = given ?? (exposed?.length === 1 ? exposed[0] : undefined);
  const durationSeconds = flags.loadDuration === undefined ? defaults.loadDurationSeconds : Number(flags.loadDuration);
  const needPort = flags.readyLog === undefined || flags.loadCmd !== undefined || durationSeconds !== 0;
  if (exposed !== undefined && needPort && port === undefined) {
    const why =
      exposed.length === 0 ? 'exposes no TCP port' : `exposes ${exposed.length} TCP ports (${exposed.join(', ')})`;
    throw new UsageError(
      `--image ${reference} ${why}: say which one with --ready-port (or use --ready-log with --load-duration 0)`,
    );
  }
  const servicePort = port ?? 0;
  const readiness: ImageReadiness =
    flags.readyLog !== undefined
      ? { kind: 'log', pattern: flags.readyLog }
      : flags.readyHttp !== undefined
        ? { kind: 'http', port: servicePort, path: flags.readyHttp }
        : { kind: 'port', port: servicePort };
  const load: ImageLoad =
    flags.loadCmd !== undefined
      ? {
          kind: 'command',
          port: servicePort,
          template: flags.loadCmd,
          durationSeconds: durationSeconds || defaults.loadDurationSeconds,
        }
      : durationSeconds === 0
        ? { kind: 'none' }
        : {
            kind: 'http',
            port: servicePort,
            path: flags.loadPath ?? flags.readyHttp ?? '/',
            durationSeconds,
            connections: Number(flags.loadConnections ?? defaults.loadConnections),
          };
  const metrics = load.kind === 'none' ? [] : httpMetrics;
  const timeout = load.kind === 'none' ? 30 : load.durationSeconds + 120;
  return {
    name: imageWorkloadName,
    description: `the user's image ${reference}: ready = ${describeReadiness(readiness)}; load = ${describeLoad(load)}`,
    params: {},
    metrics,
    network: port !== undefined || needPort,
    ...(needPort ? { ports: { service: servicePort } } : {}),
    ...(load.kind === 'none' ? {} : { hostClient: load.kind }),
    timeoutSeconds: timeout,
    image: { readiness, load },
  };
}

/** READY of a user's image, in words. */
export function describeReadiness(readiness: ImageReadiness): string {
  if (readiness.kind === 'port') return `a TCP connect from the host to port ${readiness.port} succeeds`;
  if (readiness.kind === 'http') return `GET ${readiness.path} on port ${readiness.port} answers 2xx`;
  return `an output line matches ${JSON.stringify(readiness.pattern)}`;
}

/** The load on a user's image, in words. */
export function describeLoad(load: ImageLoad): string {
  if (load.kind === 'http')
    return `wrk from the host (outside the guest's envelope), 1 thread, ${load.connections} connections, ${load.durationSeconds} s, GET ${load.path} on port ${load.port}`;
  if (load.kind === 'command')
    return `the user's command ${JSON.stringify(load.template)} from the host (outside the guest's envelope), port ${load.port}`;
  return 'none';
}
