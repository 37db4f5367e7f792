import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Backend } from '../contract/backend.js';
import type { WorkloadManifest } from '../config/workload-manifest.js';
import { runTrial } from '../orchestrator/run-trial.js';
import type { SamplingOptions } from '../orchestrator/trial-sampling.js';
import type { TrialResult } from '../results/types.js';

/** One step of a density run: k guests started at once. */
export interface DensityStep {
  /** Guests started concurrently. */
  count: number;
  /** How many printed READY and finished cleanly. */
  completed: number;
  /** From the concurrent launch to the last READY, host clock, milliseconds. */
  allReadyMs?: number;
  /** count / allReadyMs: guests started per second. */
  startsPerSecond?: number;
  /** Host memory per guest: sum over guests of peak PSS of their processes (+ shim for containers), / completed, bytes. */
  memoryPerGuestBytes?: number;
  /** Sources of the memory figure. */
  memorySources: string[];
  /** Why any guest failed. */
  errors: string[];
}

/** Start `count` idle guests at once on one backend; each holds `holdSeconds` after READY. */
export async function runDensityStep(
  backend: Backend,
  options: {
    runId: string;
    count: number;
    idle: WorkloadManifest;
    holdSeconds: number;
    vcpus: number;
    memoryMiB: number;
    readyTimeoutMs: number;
    sampling: SamplingOptions;
    signal: AbortSignal;
  },
): Promise<DensityStep> {
  // Each concurrent trial listens for the run's abort a few times (its console watch, its sampler, its engine call):
  // not a leak, so Node.js is told how many to expect instead of warning at 11.
  setMaxListeners(Math.max(10, options.count * 4), options.signal);
  const launchedAt = performance.now();
  const readyAt: number[] = [];
  const trials: TrialResult[] = await Promise.all(
    Array.from({ length: options.count }, async (_, index) => {
      const started = performance.now();
      const trial = await runTrial(
        backend,
        {
          runId: options.runId,
          trialId: `density-${options.count}-${index + 1}`,
          workload: options.idle,
          params: { duration_s: options.holdSeconds },
          vcpus: options.vcpus,
          memoryMiB: options.memoryMiB,
          readyTimeoutMs: options.readyTimeoutMs,
          workloadTimeoutMs: (options.holdSeconds + 60) * 1000,
          signal: options.signal,
        },
        index + 1,
        options.sampling,
      );
      if (trial.state === 'completed') readyAt.push(started - launchedAt + trial.boot.bootToReadyMs);
      return trial;
    }),
  );
  const completed = trials.filter((trial) => trial.state === 'completed');
  const step: DensityStep = {
    count: options.count,
    completed: completed.length,
    memorySources: [],
    errors: trials.flatMap((trial) =>
      trial.state === 'errored' ? [trial.error] : trial.state === 'aborted' ? [trial.reason] : [],
    ),
  };
  if (completed.length === options.count && readyAt.length > 0) {
    step.allReadyMs = Math.round(Math.max(...readyAt) * 10) / 10;
    step.startsPerSecond = Math.round((options.count / (step.allReadyMs / 1000)) * 100) / 100;
  }
  let total = 0;
  let measured = 0;
  for (const trial of completed) {
    const guest = trial.resources['guest.pss_bytes'];
    const shim = trial.resources['shim.pss_bytes'];
    if (guest?.peak === undefined) continue;
    total += guest.peak + (shim?.peak ?? 0);
    measured++;
    step.memorySources = [guest.source, ...(shim?.peak === undefined ? [] : [`shim ${shim.source}`])];
  }
  if (measured > 0) step.memoryPerGuestBytes = Math.round(total / measured);
  return step;
}
