import type { Backend } from '../backends/backend.js';
import type { RuntimeName, SuiteConfig } from '../config/suite.js';
import type { WorkloadManifest } from '../config/workload-manifest.js';
import type { TrialResult } from '../results/types.js';
import { describeError } from '../errors.js';
import { runTrial, type SamplingOptions } from './run-trial.js';
import { writeScratchFile } from './scratch.js';

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
  /** The run's folder: scratch files live under it. */
  runDir: string;
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

/** Warm-up trials: the first workload of the suite, once per runtime per `config.warmup`. */
export function planWarmups(config: SuiteConfig): PlannedTrial[] {
  const first = config.workloads[0];
  if (!first) return [];
  const planned: PlannedTrial[] = [];
  for (let rep = 1; rep <= config.warmup; rep++) {
    for (const runtime of config.runtimes) planned.push({ runtime, workload: first.name, rep, trialId: `${runtime}-warmup-${rep}` });
  }
  return planned;
}

/** Results of a suite: warm-ups (kept apart, never in statistics) and the measured trials. */
export interface SuiteResults {
  warmups: TrialResult[];
  trials: TrialResult[];
}

/**
 * Run warm-ups, then every planned trial; after an interrupt the remaining ones are recorded as
 * aborted. The first start of a runtime pays cold caches (engine, page cache) that later ones do
 * not: here the first container of a run took up to 10x longer, so it is a warm-up, not a sample.
 */
export async function runSuite(context: SuiteRunContext): Promise<SuiteResults> {
  const warmups: TrialResult[] = [];
  for (const trial of planWarmups(context.config)) {
    if (context.signal.aborted) break;
    context.onTrialStart(trial, -1, 0);
    warmups.push(await runPlanned(context, trial));
  }
  const trials = await runPlannedList(context, planTrials(context.config));
  return { warmups, trials };
}

async function runPlannedList(context: SuiteRunContext, planned: PlannedTrial[]): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  for (const [index, trial] of planned.entries()) {
    if (context.signal.aborted) {
      results.push({ ...trial, state: 'aborted', reason: 'run interrupted before this trial started' });
      continue;
    }
    context.onTrialStart(trial, index, planned.length);
    const result = await runPlanned(context, trial);
    results.push(result);
    context.onTrial(result, index, planned.length);
  }
  return results;
}

async function runPlanned(context: SuiteRunContext, trial: PlannedTrial): Promise<TrialResult> {
  const backend = context.backends.get(trial.runtime);
  const manifest = context.manifests.get(trial.workload);
  const suiteWorkload = context.config.workloads.find((w) => w.name === trial.workload);
  if (!backend || !manifest || !suiteWorkload) throw new Error(`no backend or workload for ${trial.trialId}`);
  const params: Record<string, string | number> = { ...manifest.params, ...suiteWorkload.params, threads: context.config.vcpus };
  let scratch: Awaited<ReturnType<typeof writeScratchFile>> | undefined;
  if (manifest.scratch) {
    try {
      scratch = await writeScratchFile(context.runDir, trial.trialId, Number(params.size_mib));
    } catch (error) {
      return { ...trial, state: 'errored', error: `writing the ${String(params.size_mib)} MiB scratch file failed: ${describeError(error)}` };
    }
  }
  const spec = {
    runId: context.runId,
    trialId: trial.trialId,
    workload: manifest,
    params,
    vcpus: context.config.vcpus,
    memoryMiB: context.config.memoryMiB,
    readyTimeoutMs: context.config.readyTimeoutSeconds * 1000,
    workloadTimeoutMs: (suiteWorkload.timeoutSeconds ?? manifest.timeoutSeconds) * 1000,
    signal: context.signal,
    ...(scratch ? { scratch: scratch.scratch } : {}),
    ...(context.config.cpuset ? { cpuset: context.config.cpuset } : {}),
  };
  try {
    return await runTrial(backend, spec, trial.rep, context.sampling);
  } finally {
    await scratch?.remove();
  }
}
