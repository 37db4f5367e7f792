import { performance } from 'node:perf_hooks';
import type { AgentEvent } from '../backends/agent-protocol.js';
import type { Backend, TrialSpec } from '../backends/backend.js';
import { TrialError, describeError } from '../errors.js';
import type { BootTiming, TrialResult, WorkloadMetricValue } from '../results/types.js';
import { Sampler, type SamplerTarget } from '../sampling/sampler.js';
import { summarizeSeries, type SampledSeries } from '../sampling/series.js';

/** Sampler settings shared by every trial of a run. */
export interface SamplingOptions {
  intervalMs: number;
  tickSeconds: number;
  /** Column → why it is missing on this host (e.g. v1 blkio without throttle rules). */
  missingReasons: Record<string, string>;
}

/**
 * Run one trial on a backend and turn whatever happened into a TrialResult: sampled the same way
 * for every runtime, with the guest's metrics checked against the workload manifest.
 */
export async function runTrial(backend: Backend, spec: TrialSpec, rep: number, sampling: SamplingOptions): Promise<TrialResult> {
  const base = { trialId: spec.trialId, runtime: backend.name, workload: spec.workload.name, rep, startedAt: new Date().toISOString() };
  if (spec.signal.aborted) return { ...base, state: 'aborted', reason: 'run interrupted before this trial started' };
  const metrics: WorkloadMetricValue[] = [];
  const errors: string[] = [];
  let sampler: Sampler | undefined;
  let readyBeforeSampler = false;
  const origin = performance.now();
  const observer = {
    guestStarted(target: SamplerTarget): void {
      sampler = new Sampler(target, { intervalMs: sampling.intervalMs, tickSeconds: sampling.tickSeconds, origin });
      // A container can print READY before its start call returns: then the first sample is the READY one.
      sampler.start(readyBeforeSampler ? 'ready' : undefined);
    },
    async agentEvent(event: AgentEvent): Promise<void> {
      if (event.type === 'ready' && !sampler) readyBeforeSampler = true;
      if (event.type === 'ready') await sampler?.sampleNow('ready');
      if (event.type === 'exit') await sampler?.sampleNow('exit');
      if (event.type === 'error') errors.push(event.message);
      if (event.type === 'result') {
        const declared = spec.workload.metrics.find((metric) => metric.name === event.name);
        if (declared) metrics.push({ name: event.name, value: event.value, unit: event.unit, source: event.source, direction: declared.direction });
      }
    },
  };
  let series: SampledSeries | undefined;
  const finishSampling = async () => {
    series = sampler ? await sampler.stop() : undefined;
    return series ? { series, resources: summarizeSeries(series, sampling.missingReasons) } : {};
  };
  try {
    const outcome = await backend.runTrial(spec, observer, origin);
    const sampled = await finishSampling();
    const boot: BootTiming = { bootToReadyMs: round(outcome.bootToReadyMs), phases: outcome.phases.map((p) => ({ ...p, ms: round(p.ms) })) };
    if (outcome.guestUptimeAtReadyMs !== undefined) boot.guestUptimeAtReadyMs = round(outcome.guestUptimeAtReadyMs);
    const missing = spec.workload.metrics.filter((metric) => !metrics.some((m) => m.name === metric.name)).map((m) => m.name);
    const problem =
      outcome.exitStatus !== 0
        ? `workload exited with status ${outcome.exitStatus}${errors.length ? `: ${errors.join('; ')}` : ''}`
        : missing.length > 0
          ? `workload printed no value for ${missing.join(', ')}${errors.length ? `: ${errors.join('; ')}` : ''}`
          : undefined;
    if (problem || !sampled.series || !sampled.resources) {
      return { ...base, state: 'errored', error: problem ?? 'the guest was never sampled', consoleTail: outcome.consoleTail, boot, metrics, ...sampled };
    }
    return { ...base, state: 'completed', boot, metrics, resources: sampled.resources, series: sampled.series };
  } catch (error) {
    const sampled = await finishSampling();
    if (spec.signal.aborted) return { ...base, state: 'aborted', reason: 'run interrupted during this trial' };
    return {
      ...base,
      state: 'errored',
      error: describeError(error),
      ...(error instanceof TrialError && error.consoleTail ? { consoleTail: error.consoleTail } : {}),
      // A guest that failed after READY still booted: keep that figure (phases need the full run).
      ...(error instanceof TrialError && error.readyAtMs !== undefined ? { boot: { bootToReadyMs: round(error.readyAtMs - origin), phases: [] } } : {}),
      ...(metrics.length ? { metrics } : {}),
      ...sampled,
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
