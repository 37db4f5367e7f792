import { performance } from 'node:perf_hooks';
import type { AgentEvent } from '../contract/agent-protocol.js';
import type { Backend, HostEndpoint, TrialObserver, TrialOutcome, TrialSpec } from '../contract/backend.js';
import { HostClientError } from '../host-clients/run-client.js';
import { hostClients, releaseGuest } from '../host-clients/host-client.js';
import { cleanup } from '../cleanup.js';
import { envelopeFor } from '../host/envelope.js';
import { createTrialCgroup, removeTrialCgroup, type TrialCgroup } from '../host/harness-cgroup.js';
import { hostObserved } from './image-observer.js';
import { TrialError, describeError } from '../errors.js';
import type { BootTiming, TrialResult } from '../results/types.js';
import { capEvidence, TrialReport } from './trial-report.js';
import { TrialSampling, type SampledTrial, type SamplingOptions } from './trial-sampling.js';

/** What every trial result starts with. */
type TrialBase = Pick<TrialResult, 'trialId' | 'runtime' | 'workload' | 'rep' | 'startedAt'>;

/**
 * Run one trial on a backend and turn whatever happened into a TrialResult: sampled the same way
 * for every runtime, with the guest's metrics checked against the workload manifest.
 */
export async function runTrial(
  backend: Backend,
  plain: TrialSpec,
  rep: number,
  sampling: SamplingOptions,
): Promise<TrialResult> {
  const base = {
    trialId: plain.trialId,
    runtime: backend.name,
    workload: plain.workload.name,
    rep,
    startedAt: new Date().toISOString(),
  };
  if (plain.signal.aborted) return { ...base, state: 'aborted', reason: 'run interrupted before this trial started' };
  const placement = backend.cgroupPlacement;
  if (placement === 'own') return runTrialIn(backend, plain, base, sampling);
  // The trial's cgroup exists before the guest and until after the last sample: made outside the boot clock.
  // Its removal is registered first, so that a creation that fails half-way leaves nothing either.
  const name = `${plain.runId}-${plain.trialId}`;
  const removeCgroup = cleanup.register(`trial cgroup ${name}`, () => removeTrialCgroup(name));
  try {
    let cgroup: TrialCgroup;
    try {
      const envelope = envelopeFor(backend.kind, plain.vcpus, plain.memoryMiB);
      cgroup = await createTrialCgroup(name, {
        ioDevices: sampling.ioDevices,
        leaf: placement === 'trial-leaf',
        envelope,
      });
    } catch (error) {
      return { ...base, state: 'errored', error: `creating the trial's cgroup failed: ${describeError(error)}` };
    }
    return await runTrialIn(backend, { ...plain, cgroup }, base, sampling);
  } finally {
    await removeCgroup();
  }
}

/**
 * The host side of a serving workload, once the guest says LISTEN: its host client drives the guest's reachable
 * ports, then the guest is released (a user's image: the host says the workload is over). A user's image without
 * load is done once READY.
 */
async function serveGuest(
  spec: TrialSpec,
  report: TrialReport,
  endpoints: Promise<ReadonlyMap<string, HostEndpoint>>,
  host: ReturnType<typeof hostObserved>,
  signal: AbortSignal,
): Promise<void> {
  const image = spec.workload.image;
  const client = spec.workload.hostClient ? hostClients[spec.workload.hostClient] : undefined;
  if (!client && image) return host.inject({ type: 'exit', status: 0 }, performance.now());
  if (!client) return void report.errors.push('the guest printed LISTEN but the workload names no hostClient');
  const reachable = await endpoints;
  try {
    const load = image ? { load: image.load } : {};
    for (const figure of await client({
      endpoints: reachable,
      params: spec.params,
      signal,
      keepEvidence: report.keepEvidence,
      ...load,
    }))
      report.addMetric(figure);
  } catch (error) {
    report.errors.push(describeError(error));
    if (error instanceof HostClientError && error.toolOutput) report.toolOutput = error.toolOutput;
  } finally {
    const control = reachable.get('control');
    if (control && !signal.aborted)
      await releaseGuest(control).catch((error: unknown) =>
        report.errors.push(`releasing the guest: ${describeError(error)}`),
      );
    if (image && !signal.aborted) host.inject({ type: 'exit', status: 0 }, performance.now());
  }
}

/** The boot figures of a finished trial, rounded to 0.1 ms. */
function bootOf(outcome: TrialOutcome): BootTiming {
  const boot: BootTiming = {
    bootToReadyMs: round(outcome.bootToReadyMs),
    phases: outcome.phases.map((p) => ({ ...p, ms: round(p.ms) })),
  };
  if (outcome.guestUptimeAtReadyMs !== undefined) boot.guestUptimeAtReadyMs = round(outcome.guestUptimeAtReadyMs);
  if (outcome.runtimeFigures)
    boot.runtimeFigures = Object.fromEntries(
      Object.entries(outcome.runtimeFigures).map(([name, figure]) => [name, { ...figure, value: round(figure.value) }]),
    );
  return boot;
}

/** A trial whose backend returned: completed, or errored with what the guest and its tools said. */
function finishedTrial(
  base: TrialBase,
  outcome: TrialOutcome,
  sampled: SampledTrial,
  report: TrialReport,
): TrialResult {
  const boot = bootOf(outcome);
  const problem = report.problem(outcome.exitStatus);
  if (problem || !sampled.series || !sampled.resources)
    return {
      ...base,
      state: 'errored',
      error: problem ?? 'the guest was never sampled',
      consoleTail: outcome.consoleTail,
      ...(report.toolOutput === undefined ? {} : { toolOutput: report.toolOutput }),
      boot,
      metrics: report.metrics,
      ...sampled,
    };
  const crossCheck =
    outcome.crossCheck && Object.keys(outcome.crossCheck).length ? { crossCheck: { ...outcome.crossCheck } } : {};
  // DATA lines are kept whole by the report: the console keeps a marker instead of a second copy.
  const consoleText = outcome.consoleTail.replace(/^(TWINBENCH DATA tool=(\S+)) .*$/gm, '$1 … (kept as guest.$2)');
  const evidence = consoleText
    ? [...report.evidence, capEvidence('guest.console', consoleText, 'end')]
    : report.evidence;
  return {
    ...base,
    state: 'completed',
    boot,
    metrics: report.metrics,
    resources: sampled.resources,
    series: sampled.series,
    evidence,
    ...crossCheck,
    ...(sampled.energy ? { energy: sampled.energy } : {}),
  };
}

/** A trial whose backend threw: aborted by the run, or errored, with what was measured before it failed. */
function failedTrial(
  base: TrialBase,
  error: unknown,
  aborted: boolean,
  origin: number,
  sampled: SampledTrial,
  report: TrialReport,
): TrialResult {
  if (aborted) return { ...base, state: 'aborted', reason: 'run interrupted during this trial' };
  return {
    ...base,
    state: 'errored',
    error: describeError(error),
    ...(error instanceof TrialError && error.consoleTail ? { consoleTail: error.consoleTail } : {}),
    // A guest that failed after READY still booted: keep that figure (phases need the full run).
    ...(error instanceof TrialError && error.readyAtMs !== undefined
      ? { boot: { bootToReadyMs: round(error.readyAtMs - origin), phases: [] } }
      : {}),
    ...(report.toolOutput === undefined ? {} : { toolOutput: report.toolOutput }),
    ...(report.metrics.length ? { metrics: report.metrics } : {}),
    ...sampled,
  };
}

/** One trial in its cgroup: the backend runs the guest; the observer routes its events to the report, the sampler and the host clients. */
async function runTrialIn(
  backend: Backend,
  spec: TrialSpec,
  base: TrialBase,
  sampling: SamplingOptions,
): Promise<TrialResult> {
  try {
    await backend.beforeClock?.(spec);
  } catch (error) {
    if (spec.signal.aborted) return { ...base, state: 'aborted', reason: 'run interrupted before this trial started' };
    return { ...base, state: 'errored', error: `preparing the trial: ${describeError(error)}` };
  }
  const report = new TrialReport(spec.workload.metrics);
  // Host clients stop with the trial, whichever way it ends.
  const clientAbort = new AbortController();
  const stopClients = () => clientAbort.abort();
  spec.signal.addEventListener('abort', stopClients, { once: true });
  let publishEndpoints: (endpoints: ReadonlyMap<string, HostEndpoint>) => void = () => undefined;
  const endpoints = new Promise<ReadonlyMap<string, HostEndpoint>>((resolve) => (publishEndpoints = resolve));
  const host = hostObserved(spec.workload.image, clientAbort.signal);
  const origin = performance.now();
  const sampler = new TrialSampling(sampling, origin);
  const observer: TrialObserver = {
    ...host.observer,
    guestStarted: (target) => sampler.guestStarted(target),
    async agentEvent(event: AgentEvent): Promise<void> {
      await sampler.agentEvent(event);
      if (event.type === 'error') report.errors.push(event.message);
      if (event.type === 'result') report.addMetric(event);
      if (event.type === 'data') report.addGuestData(event.tool, event.payload);
      if (event.type === 'listen') await serveGuest(spec, report, endpoints, host, clientAbort.signal);
    },
    guestEndpoints(reachable: ReadonlyMap<string, HostEndpoint>): void {
      publishEndpoints(reachable);
      host.endpointsKnown(reachable);
    },
    guestExited: () => sampler.guestExited(),
  };
  try {
    const outcome = await backend.runTrial(spec, observer, origin);
    return finishedTrial(base, outcome, await sampler.finish(), report);
  } catch (error) {
    const sampled = await sampler.finish();
    return failedTrial(base, error, spec.signal.aborted, origin, sampled, report);
  } finally {
    stopClients();
    spec.signal.removeEventListener('abort', stopClients);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
