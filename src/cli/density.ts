import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseIntegerFlag } from '../config/resolve-suite.js';
import { loadWorkloads } from '../config/workload-manifest.js';
import { checkDensityMemory, densitySteps, parseMemAvailable } from '../density/plan.js';
import { runDensityStep, type DensityStep } from '../density/run-density.js';
import { ExitCode, MissingDependencyError, UsageError, type ExitCodeValue } from '../errors.js';
import { archFromNode, getArchProfile } from '../host/arch.js';
import { probeHost } from '../orchestrator/probe-host.js';
import { prepareBackends } from '../orchestrator/prepare-backends.js';
import { openRunScope } from '../orchestrator/run-scope.js';
import { densityRuntimeNames, runtimeByName } from '../runtimes/table.js';
import { workloadsDir } from '../paths.js';
import { formatNumber, literal, markdownTable } from '../report/format.js';
import { resultFileName, writeFileAtomic } from '../results/write.js';
import { toolVersion } from '../version.js';
import { buildImageSet } from '../images/image-flags.js';
import type { CommandIo } from './io.js';

/** Flags of `bench density`. */
export interface DensityFlags {
  runtime?: string;
  count?: string;
  memory?: string;
  vcpus?: string;
  hold?: string;
  out?: string;
}

/** The density table printed and written beside the JSON. */
function renderDensity(runtime: string, emulated: boolean, steps: DensityStep[]): string {
  const lines = [
    `# twinbench density: ${runtime}`,
    '',
    ...(emulated ? ['> VM figures on this host measure emulation (TCG), not virtualization.', ''] : []),
    ...markdownTable(
      ['guests at once', 'all READY (ms)', 'starts per second', 'host memory per guest (PSS)', 'completed'],
      steps.map((s) => [
        String(s.count),
        s.allReadyMs === undefined ? 'not measured' : formatNumber(s.allReadyMs),
        String(s.startsPerSecond ?? 'not measured'),
        s.memoryPerGuestBytes === undefined ? 'not measured' : `${(s.memoryPerGuestBytes / 2 ** 20).toFixed(1)} MiB`,
        // A guest's error text is not ours: a code span, never markup.
        `${s.completed}/${s.count}${s.errors[0] ? ` (${literal(s.errors[0], true)})` : ''}`,
      ]),
    ),
    '',
  ];
  return lines.join('\n');
}

/**
 * `bench density --runtime <name> --count N`: start 1, 2, 4, …, N idle guests at once, and
 * measure the time until all are READY, starts per second and host memory per guest.
 */
export async function runDensity(flags: DensityFlags, io: CommandIo): Promise<ExitCodeValue> {
  const problems: string[] = [];
  const descriptor = runtimeByName(flags.runtime ?? '');
  const runtime = descriptor?.name ?? '';
  if (!descriptor?.density)
    problems.push(`--runtime must be one of ${densityRuntimeNames().join(', ')}, got ${JSON.stringify(flags.runtime)}`);
  if (flags.count === undefined) problems.push('--count is required');
  const count = parseIntegerFlag('--count', flags.count, 1, 256, problems) ?? 1;
  const memoryMiB = parseIntegerFlag('--memory', flags.memory ?? '256', 64, 65536, problems) ?? 256;
  const vcpus = parseIntegerFlag('--vcpus', flags.vcpus ?? '1', 1, 64, problems) ?? 1;
  const holdSeconds = parseIntegerFlag('--hold', flags.hold ?? '3', 1, 600, problems) ?? 3;
  if (problems.length > 0 || !descriptor) throw new UsageError(problems.join('; '));
  const available = parseMemAvailable(await readFile('/proc/meminfo', 'utf8'));
  if (available !== undefined) checkDensityMemory(count, memoryMiB, descriptor.kind, available);

  const hostArch = archFromNode(process.arch);
  if (!hostArch) throw new MissingDependencyError(`unsupported host architecture ${process.arch}`);
  const profile = getArchProfile(hostArch);
  await descriptor.probe({ profile, guestArch: hostArch, hostArch });
  const host = await probeHost();
  const idle = loadWorkloads(workloadsDir).get('idle');
  if (!idle) throw new UsageError('workloads/idle is missing');
  const images = await buildImageSet({}, hostArch, io);
  const startedAt = new Date();
  const scope = await openRunScope(startedAt, [descriptor]);
  const { backends, runtimes, ioDevices } = await prepareBackends({
    runtimes: [descriptor],
    images,
    profile,
    guestArch: hostArch,
    hostArch,
    accel: 'auto',
    cgroupVersion: host.cgroupMode.version,
    runDir: scope.runDir,
    runId: scope.runId,
    signal: io.signal,
    log: io.log,
    containerNetwork: 'bridge',
    envelope: { vcpus, memoryMiB, systemdOwnsTree: host.cgroupMode.systemdOwnsTree },
  });
  const backend = backends.get(descriptor.name);
  if (!backend) throw new Error(`no ${runtime} backend`);
  const sampling = { intervalMs: 200, tickSeconds: 1 / host.clockTicks, missingReasons: {}, ioDevices };
  const steps: DensityStep[] = [];
  for (const k of densitySteps(count)) {
    if (io.signal.aborted) break;
    io.progress(`density: starting ${k} ${runtime} guest(s) at once…`);
    const step = await runDensityStep(backend, {
      runId: scope.runId,
      count: k,
      idle,
      holdSeconds,
      vcpus,
      memoryMiB,
      readyTimeoutMs: 120_000,
      sampling,
      signal: io.signal,
    });
    steps.push(step);
    io.log(
      `density: ${k} guest(s): ${step.completed}/${k} ready${step.allReadyMs === undefined ? '' : ` in ${formatNumber(step.allReadyMs)} ms`}`,
    );
  }
  const emulated = runtimes[descriptor.name]?.emulated === true;
  const markdown = renderDensity(runtime, emulated, steps);
  const file = join(
    resolve(flags.out ?? 'results'),
    resultFileName(startedAt, hostname()).replace(/\.json$/, `-density-${runtime}.json`),
  );
  const record = {
    kind: 'twinbench-density',
    version: 1,
    tool: { name: 'twinbench', version: toolVersion },
    runId: scope.runId,
    startedAt: startedAt.toISOString(),
    status: io.signal.aborted ? 'interrupted' : 'completed',
    host: { ...host.inventory, cgroupVersion: host.cgroupMode.version },
    runtime: { name: runtime, ...runtimes[descriptor.name] },
    config: { count, memoryMiB, vcpus, holdSeconds },
    units: { allReadyMs: 'ms', startsPerSecond: 'guests/s', memoryPerGuestBytes: 'bytes' },
    steps,
  };
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  await writeFileAtomic(file.replace(/\.json$/, '.md'), markdown);
  await scope.finish();
  io.out(markdown);
  io.out(file);
  if (io.signal.aborted) return io.signal.reason?.exitCode ?? ExitCode.interrupted;
  return steps.every((step) => step.completed === step.count) ? ExitCode.ok : ExitCode.trialsFailed;
}
