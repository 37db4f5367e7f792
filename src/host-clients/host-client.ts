import { connect } from 'node:net';
import { execa } from 'execa';
import { MissingDependencyError } from '../errors.js';
import type { HostEndpoint } from '../contract/backend.js';
import type { HostClientName } from '../config/workload-manifest.js';
import type { HostClientContext } from './context.js';
import type { ToolMetric } from '../tools/tool-metric.js';
import { runNetworkClient } from './network.js';
import { runRedisClient } from './redis.js';
import { runCommandLoad, runHttpLoad } from './image-load.js';

/** Drives a serving guest from the host and returns the figures its tools measured. */
export type HostClient = (context: HostClientContext) => Promise<ToolMetric[]>;

/** The host clients a manifest can name. */
export const hostClients: Readonly<Record<HostClientName, HostClient>> = {
  network: runNetworkClient,
  redis: runRedisClient,
  http: runHttpLoad,
  command: runCommandLoad,
};

/** Host tools each client needs (checked before a run, reported by `bench doctor`). */
export const hostClientTools: Readonly<Record<HostClientName, readonly { binary: string; debianPackage: string }[]>> = {
  network: [
    { binary: 'iperf3', debianPackage: 'iperf3' },
    { binary: 'sockperf', debianPackage: 'sockperf' },
  ],
  redis: [{ binary: 'redis-benchmark', debianPackage: 'redis-tools' }],
  http: [{ binary: 'wrk', debianPackage: 'wrk' }],
  command: [],
};

/** Connect to the guest's control port and close: the guest then stops its servers and exits. */
export async function releaseGuest(control: HostEndpoint, timeoutMs = 10_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: control.host, port: control.port });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(
        new Error(`control port ${control.host}:${control.port} did not answer within ${timeoutMs / 1000} s`),
      ),
    );
    socket.once('connect', () => socket.end());
    socket.once('close', (hadError) => (hadError ? undefined : resolve()));
    socket.once('error', reject);
  });
}

/** Before a run: every host tool the chosen workloads' clients need is installed, or one error naming the packages. */
export async function requireHostClientTools(clients: readonly HostClientName[]): Promise<void> {
  const missing: string[] = [];
  for (const { binary, debianPackage } of [...new Set(clients)].flatMap((name) => hostClientTools[name])) {
    const result = await execa(binary, ['--version'], { reject: false });
    if (result.code === 'ENOENT') missing.push(`${binary} (apt-get install ${debianPackage})`);
  }
  if (missing.length)
    throw new MissingDependencyError(`host tools for the chosen workloads' clients are missing: ${missing.join(', ')}`);
}
