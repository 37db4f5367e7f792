import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolMetric } from '../tools/tool-metric.js';
import { parseLoadCommandOutput, parseWrkReport, wrkReportScript } from '../tools/wrk.js';
import { readFile } from 'node:fs/promises';
import { readClockTicks } from '../host/clock-ticks.js';
import { endpointOf, type HostClientContext } from './context.js';
import { HostClientError, runClient } from './run-client.js';

/** CPU seconds of this process's waited-for children (utime + stime of the dead, /proc/self/stat cutime + cstime). */
async function childrenCpuSeconds(ticks: number): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  // Fields after the command name's closing parenthesis; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / ticks;
}

/**
 * The load client's own CPU, which runs in the harness's cgroup and not the guest's: the children's CPU
 * the harness was charged while it ran (the guest's processes are not waited for until the trial ends).
 */
async function withClientCpu(run: () => Promise<ToolMetric[]>, source: string): Promise<ToolMetric[]> {
  const ticks = await readClockTicks();
  const before = await childrenCpuSeconds(ticks);
  const figures = await run();
  const seconds = Math.round(((await childrenCpuSeconds(ticks)) - before) * ticks) / ticks;
  return [...figures, { name: 'load_client_cpu_seconds', value: seconds, unit: 's', source }];
}

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
    const args = [
      '-t',
      '1',
      '-c',
      String(load.connections),
      '-d',
      `${load.durationSeconds}s`,
      '--timeout',
      '10s',
      '-s',
      join(dir, 'report.lua'),
      url,
    ];
    const timing = { timeoutMs: (load.durationSeconds + 60) * 1000, signal: context.signal };
    const keep = (text: string) => context.keepEvidence?.('host.wrk', `wrk ${args.join(' ')}\n${text}`);
    return await withClientCpu(
      () => runClient('wrk', args, { ...timing, keep }, parseWrkReport),
      'host.proc.self.stat.cutime+cstime around wrk',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `--load-cmd`: the user's client, `{host}` and `{port}` filled in, run by sh; its last line gives the figures. */
export async function runCommandLoad(context: HostClientContext): Promise<ToolMetric[]> {
  const load = context.load;
  if (load?.kind !== 'command')
    throw new HostClientError('the command client runs only the load of `bench all --image --load-cmd`', '');
  const service = endpointOf(context, 'service');
  const command = load.template.replaceAll('{host}', service.host).replaceAll('{port}', String(service.port));
  const timing = { timeoutMs: (load.durationSeconds + 60) * 1000, signal: context.signal };
  const keep = (text: string) => context.keepEvidence?.('host.load-cmd', `${command}\n${text}`);
  return withClientCpu(
    () => runClient('sh', ['-c', command], { ...timing, keep }, parseLoadCommandOutput),
    'host.proc.self.stat.cutime+cstime around --load-cmd',
  );
}
