import { parseRedisBenchmarkCsv } from '../tools/redis-benchmark.js';
import type { ToolMetric } from '../tools/tool-metric.js';
import { endpointOf, numberParam, type HostClientContext } from './context.js';
import { runClient } from './run-client.js';

/** The `redis` workload's host side: redis-benchmark SET and GET against the guest's redis-server. */
export async function runRedisClient(context: HostClientContext): Promise<ToolMetric[]> {
  const redis = endpointOf(context, 'redis');
  const requests = numberParam(context, 'requests', 100000);
  const shape = (n: number) => [
    '-h',
    redis.host,
    '-p',
    String(redis.port),
    '-t',
    'set,get',
    '-n',
    String(n),
    '-c',
    String(numberParam(context, 'clients', 50)),
    '-d',
    String(numberParam(context, 'value_bytes', 64)),
    '--csv',
  ];
  const timing = { timeoutMs: numberParam(context, 'client_timeout_s', 300) * 1000, signal: context.signal };
  // Warm-up: the same run, smaller, discarded (server allocations, connection set-up, caches).
  await runClient(
    'redis-benchmark',
    shape(numberParam(context, 'warmup_requests', 10000)),
    timing,
    parseRedisBenchmarkCsv,
  );
  return runClient(
    'redis-benchmark',
    shape(requests),
    { ...timing, keep: (text) => context.keepEvidence?.('host.redis-benchmark', text) },
    parseRedisBenchmarkCsv,
  );
}
