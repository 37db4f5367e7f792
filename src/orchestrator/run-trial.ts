import { performance } from 'node:perf_hooks';
import type { AgentEvent } from '../contract/agent-protocol.js';
import type { Backend, HostEndpoint, TrialObserver, TrialSpec } from '../contract/backend.js';
import { HostClientError } from '../host-clients/run-client.js';
import { hostClients, releaseGuest } from '../host-clients/host-client.js';
import type { ToolMetric } from '../tools/tool-metric.js';
import { cleanup } from '../cleanup.js';
import { deviceKey, type IoDevices } from '../host/block-device.js';
import { envelopeFor } from '../host/envelope.js';
import { createTrialCgroup, removeTrialCgroup, type TrialCgroup } from '../host/harness-cgroup.js';
import { guestDataParsers } from './guest-data.js';
import { hostObserved } from './image-observer.js';
import { TrialError, describeError } from '../errors.js';
import type { BootTiming, RawEvidence, TrialResult, WorkloadMetricValue } from '../results/types.js';
import { memoryModel, type GuestMemoryView } from '../results/memory-model.js';
import { Sampler, type SamplerTarget } from '../sampling/sampler.js';
import { summarizeSeries, type SampledSeries } from '../sampling/series.js';

/** Sampler settings shared by every trial of a run. */
export interface SamplingOptions {
  intervalMs: number;
  tickSeconds: number;
  /** Column → why it is missing on this host (e.g. v1 blkio without throttle rules). */
  missingReasons: Record<string, string>;
  /** cgroup v1: the devices the run's I/O lands on (non-limiting throttle rules on each; see block-device.ts). */
  ioDevices?: IoDevices | undefined;
}

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

/** Each piece of raw evidence is kept up to this many characters. */
const evidenceCap = 128 * 1024;

/** Cap raw output: keep the start of a tool's output (its summary), or the end of a console. */
function capEvidence(source: string, text: string, keep: 'start' | 'end'): RawEvidence {
  if (text.length <= evidenceCap) return { source, text };
  return {
    source,
    text: keep === 'start' ? text.slice(0, evidenceCap) : text.slice(-evidenceCap),
    truncatedChars: text.length - evidenceCap,
  };
}

async function runTrialIn(
  backend: Backend,
  spec: TrialSpec,
  base: TrialBase,
  sampling: SamplingOptions,
): Promise<TrialResult> {
  const metrics: WorkloadMetricValue[] = [];
  const errors: string[] = [];
  let toolOutput: string | undefined;
  const evidence: RawEvidence[] = [];
  const keepEvidence = (source: string, text: string) => evidence.push(capEvidence(source, text, 'start'));
  const addMetric = (figure: ToolMetric) => {
    const declared = spec.workload.metrics.find((metric) => metric.name === figure.name);
    if (declared)
      metrics.push({
        name: figure.name,
        value: figure.value,
        unit: figure.unit,
        source: figure.source,
        direction: declared.direction,
        keyFigure: declared.keyFigure === true,
      });
  };
  // Host clients stop with the trial, whichever way it ends.
  const clientAbort = new AbortController();
  const stopClients = () => clientAbort.abort();
  spec.signal.addEventListener('abort', stopClients, { once: true });
  let publishEndpoints: (endpoints: ReadonlyMap<string, HostEndpoint>) => void = () => undefined;
  const endpoints = new Promise<ReadonlyMap<string, HostEndpoint>>((resolve) => (publishEndpoints = resolve));
  const image = spec.workload.image;
  const host = hostObserved(image, clientAbort.signal);
  const serve = async () => {
    const client = spec.workload.hostClient ? hostClients[spec.workload.hostClient] : undefined;
    // A user's image without load is done once READY: its figures are the boot and the READY sample.
    if (!client && image) return host.inject({ type: 'exit', status: 0 }, performance.now());
    if (!client) return void errors.push('the guest printed LISTEN but the workload names no hostClient');
    const reachable = await endpoints;
    try {
      const load = image ? { load: image.load } : {};
      for (const figure of await client({
        endpoints: reachable,
        params: spec.params,
        signal: clientAbort.signal,
        keepEvidence,
        ...load,
      }))
        addMetric(figure);
    } catch (error) {
      errors.push(describeError(error));
      if (error instanceof HostClientError && error.toolOutput) toolOutput = error.toolOutput;
    } finally {
      const control = reachable.get('control');
      if (control && !clientAbort.signal.aborted)
        await releaseGuest(control).catch((error: unknown) =>
          errors.push(`releasing the guest: ${describeError(error)}`),
        );
      // A user's image serves until the runtime stops it: the host says the workload is over.
      if (image && !clientAbort.signal.aborted) host.inject({ type: 'exit', status: 0 }, performance.now());
    }
  };
  let sampler: Sampler | undefined;
  const memoryViews: GuestMemoryView[] = [];
  let readyBeforeSampler = false;
  try {
    await backend.beforeClock?.(spec);
  } catch (error) {
    if (spec.signal.aborted) return { ...base, state: 'aborted', reason: 'run interrupted before this trial started' };
    return { ...base, state: 'errored', error: `preparing the trial: ${describeError(error)}` };
  }
  const origin = performance.now();
  const observer: TrialObserver = {
    ...host.observer,
    guestStarted(target: SamplerTarget): void {
      const skippedDevices = sampling.ioDevices?.below.map(deviceKey);
      sampler = new Sampler(target, {
        intervalMs: sampling.intervalMs,
        tickSeconds: sampling.tickSeconds,
        origin,
        ...(skippedDevices ? { skippedDevices } : {}),
      });
      // A container can print READY before its start call returns: then the first sample is the READY one.
      sampler.start(readyBeforeSampler ? 'ready' : undefined);
    },
    async agentEvent(event: AgentEvent): Promise<void> {
      if (event.type === 'ready' && !sampler) readyBeforeSampler = true;
      if (event.type === 'ready') await sampler?.sampleNow('ready');
      if (event.type === 'exit') await sampler?.sampleNow('exit');
      if (event.type === 'error') errors.push(event.message);
      if (event.type === 'result') addMetric(event);
      if (event.type === 'memory') memoryViews.push(event);
      if (event.type === 'data') {
        const parse = guestDataParsers[event.tool];
        try {
          if (!parse) throw new Error(`no parser for tool "${event.tool}"`);
          for (const figure of parse(event.payload)) addMetric(figure);
          keepEvidence(`guest.${event.tool}`, event.payload);
        } catch (error) {
          errors.push(`${event.tool} output: ${describeError(error)}`);
        }
      }
      if (event.type === 'listen') await serve();
    },
    guestEndpoints(reachable: ReadonlyMap<string, HostEndpoint>): void {
      publishEndpoints(reachable);
      host.endpointsKnown(reachable);
    },
    // Once: the backend calls it before teardown, and the orchestrator after the backend returns.
    // The periodic samples stop first, so that `end` is the last row.
    async guestExited(): Promise<void> {
      const current = sampler;
      finalSample ??= current ? current.halt().then(() => current.sampleNow('end')) : undefined;
      await finalSample;
    },
  };
  let finalSample: Promise<void> | undefined;
  let series: SampledSeries | undefined;
  const finishSampling = async () => {
    await observer.guestExited();
    series = sampler ? await sampler.stop() : undefined;
    if (!series) return {};
    return {
      series,
      resources: {
        ...summarizeSeries(series, { ...sampling.missingReasons, ...sampler?.missingReasons }),
        ...memoryModel(series, memoryViews),
      },
    };
  };
  try {
    const outcome = await backend.runTrial(spec, observer, origin);
    const sampled = await finishSampling();
    const boot: BootTiming = {
      bootToReadyMs: round(outcome.bootToReadyMs),
      phases: outcome.phases.map((p) => ({ ...p, ms: round(p.ms) })),
    };
    if (outcome.guestUptimeAtReadyMs !== undefined) boot.guestUptimeAtReadyMs = round(outcome.guestUptimeAtReadyMs);
    if (outcome.runtimeFigures) {
      boot.runtimeFigures = Object.fromEntries(
        Object.entries(outcome.runtimeFigures).map(([name, figure]) => [
          name,
          { ...figure, value: round(figure.value) },
        ]),
      );
    }
    const missing = spec.workload.metrics
      .filter((metric) => !metrics.some((m) => m.name === metric.name))
      .map((m) => m.name);
    const problem =
      outcome.exitStatus !== 0
        ? `workload exited with status ${outcome.exitStatus}${errors.length ? `: ${errors.join('; ')}` : ''}`
        : missing.length > 0
          ? `workload printed no value for ${missing.join(', ')}${errors.length ? `: ${errors.join('; ')}` : ''}`
          : undefined;
    if (problem || !sampled.series || !sampled.resources) {
      const raw = toolOutput === undefined ? {} : { toolOutput };
      return {
        ...base,
        state: 'errored',
        error: problem ?? 'the guest was never sampled',
        consoleTail: outcome.consoleTail,
        ...raw,
        boot,
        metrics,
        ...sampled,
      };
    }
    const crossCheck =
      outcome.crossCheck && Object.keys(outcome.crossCheck).length ? { crossCheck: { ...outcome.crossCheck } } : {};
    // DATA lines are kept whole above: the console keeps a marker instead of a second copy.
    const consoleText = outcome.consoleTail.replace(/^(TWINBENCH DATA tool=(\S+)) .*$/gm, '$1 … (kept as guest.$2)');
    if (consoleText) evidence.push(capEvidence('guest.console', consoleText, 'end'));
    return {
      ...base,
      state: 'completed',
      boot,
      metrics,
      resources: sampled.resources,
      series: sampled.series,
      evidence,
      ...crossCheck,
    };
  } catch (error) {
    const sampled = await finishSampling();
    if (spec.signal.aborted) return { ...base, state: 'aborted', reason: 'run interrupted during this trial' };
    return {
      ...base,
      state: 'errored',
      error: describeError(error),
      ...(error instanceof TrialError && error.consoleTail ? { consoleTail: error.consoleTail } : {}),
      // A guest that failed after READY still booted: keep that figure (phases need the full run).
      ...(error instanceof TrialError && error.readyAtMs !== undefined
        ? { boot: { bootToReadyMs: round(error.readyAtMs - origin), phases: [] } }
        : {}),
      ...(toolOutput === undefined ? {} : { toolOutput }),
      ...(metrics.length ? { metrics } : {}),
      ...sampled,
    };
  } finally {
    stopClients();
    spec.signal.removeEventListener('abort', stopClients);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
