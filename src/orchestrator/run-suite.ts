import type { Backend } from '../backends/backend.js';
import type { RuntimeName, SuiteConfig } from '../config/suite.js';
import type { WorkloadManifest } from '../config/workload-manifest.js';
import type { TrialResult } from '../results/types.js';
import { runTrial, type SamplingOptions } from './run-trial.js';

/** One planned trial. */
export interface PlannedTrial {
  runtime: RuntimeName;
  workload: string;
  rep: number;
  trialId: string;
}

/**
 * Plan trials interleaved (workload → repetition → runtime), so slow drift on the host (thermal,
 * page cache, other tenants) hits every runtime alike instead of whichever ran last.
 */
export function planTrials(config: SuiteConfig): PlannedTrial[] {
  const planned: PlannedTrial[] = [];
  for (const workload of config.workloads) {
    for (let rep = 1; rep <= workload.reps; rep++) {
      for (const runtime of config.runtimes) {
        planned.push({ runtime, workload: workload.name, rep, trialId: `${runtime}-${workload.name}-${rep}` });
      }
    }
  }
  return planned;
}

/** Everything a suite run needs. */
export interface SuiteRunContext {
  runId: string;
  config: SuiteConfig;
  manifests: ReadonlyMap<string, WorkloadManifest>;
  backends: ReadonlyMap<RuntimeName, Backend>;
  sampling: SamplingOptions;
  signal: AbortSignal;
  /** Called after each trial with its result and position. */
  onTrial: (result: TrialResult, index: number, total: number) => void;
  /** Called before each trial starts. */
  onTrialStart: (trial: PlannedTrial, index: number, total: number) => void;
}

/** Run every planned trial; after an interrupt the remaining ones are recorded as aborted. */
export async function runSuite(context: SuiteRunContext): Promise<TrialResult[]> {
  const planned = planTrials(context.config);
  const results: TrialResult[] = [];
  for (const [index, trial] of planned.entries()) {
    const backend = context.backends.get(trial.runtime);
    const manifest = context.manifests.get(trial.workload);
    const suiteWorkload = context.config.workloads.find((w) => w.name === trial.workload);
    if (!backend || !manifest || !suiteWorkload) continue;
    if (context.signal.aborted) {
      results.push({ ...trial, state: 'aborted', reason: 'run interrupted before this trial started' });
      continue;
    }
    context.onTrialStart(trial, index, planned.length);
    const result = await runTrial(
      backend,
      {
        runId: context.runId,
        trialId: trial.trialId,
        workload: manifest,
        params: { ...manifest.params, ...suiteWorkload.params, threads: context.config.vcpus },
        vcpus: context.config.vcpus,
        memoryMiB: context.config.memoryMiB,
        readyTimeoutMs: context.config.readyTimeoutSeconds * 1000,
        workloadTimeoutMs: manifest.timeoutSeconds * 1000,
        signal: context.signal,
      },
      trial.rep,
      context.sampling,
    );
    results.push(result);
    context.onTrial(result, index, planned.length);
  }
  return results;
}
