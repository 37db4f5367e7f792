import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolMetric } from '../tools/tool-metric.js';
import { parseLoadCommandOutput, parseWrkReport, wrkReportScript } from '../tools/wrk.js';
import { endpointOf, type HostClientContext } from './host-client.js';
import { HostClientError, runClient } from './run-client.js';

/**
 * `--image` with HTTP load: wrk from the host against the image's port, one thread (the host side is not
 * in the guest's envelope, and on a small host a second thread would take the guest's CPU).
 */
export async function runHttpLoad(context: HostClientContext): Promise<ToolMetric[]> {
  const load = context.load;
  if (load?.kind !== 'http') throw new HostClientError('the http client runs only the load of `bench all --image`', '');
  const service = endpointOf(context, 'service');
  const dir = await mkdtemp(join(tmpdir(), 'twinbench-wrk-'));
  try {
    await writeFile(join(dir, 'report.lua'), wrkReportScript);
    const url = `http://${service.host.includes(':') ? `[${service.host}]` : service.host}:${service.port}${load.path}`;
    const args = ['-t', '1', '-c', String(load.connections), '-d', `${load.durationSeconds}s`, '--timeout', '10s', '-s', join(dir, 'report.lua'), url];
    const timing = { timeoutMs: (load.durationSeconds + 60) * 1000, signal: context.signal };
    return await runClient('wrk', args, { ...timing, keep: (text) => context.keepEvidence?.('host.wrk', `wrk ${args.join(' ')}\n${text}`) }, parseWrkReport);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `--load-cmd`: the user's client, `{host}` and `{port}` filled in, run by sh; its last line gives the figures. */
export async function runCommandLoad(context: HostClientContext): Promise<ToolMetric[]> {
  const load = context.load;
  if (load?.kind !== 'command') throw new HostClientError('the command client runs only the load of `bench all --image --load-cmd`', '');
  const service = endpointOf(context, 'service');
  const command = load.template.replaceAll('{host}', service.host).replaceAll('{port}', String(service.port));
  const timing = { timeoutMs: (load.durationSeconds + 60) * 1000, signal: context.signal };
  return runClient('sh', ['-c', command], { ...timing, keep: (text) => context.keepEvidence?.('host.load-cmd', `${command}\n${text}`) }, parseLoadCommandOutput);
}
