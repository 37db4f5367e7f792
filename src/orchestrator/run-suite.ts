import type { Backend } from '../backends/backend.js';
import type { RuntimeName, SuiteConfig } from '../config/suite.js';
import type { WorkloadManifest } from '../config/workload-manifest.js';
import type { RepetitionRecord, TrialResult } from '../results/types.js';
import { nextRound, repetitionRecords, type AdaptivePlan } from './adaptive-reps.js';
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
  /** Under `--target-ci`: the repetitions each runtime × workload ran and why it stopped. */
  repetitions?: RepetitionRecord[];
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
  const first = planTrials(context.config);
  const trials = await runPlannedList(context, first, 0, first.length);
  const policy = context.config.repetitionPolicy;
  if (!policy) return { warmups, trials };
  const plan: AdaptivePlan = {
    policy,
    runtimes: context.config.runtimes,
    workloads: context.config.workloads.map((workload) => workload.name),
    declaredKeys: new Map([...context.manifests].map(([name, manifest]) => [name, manifest.metrics.filter((m) => m.keyFigure).map((m) => m.name)])),
  };
  // Rounds stay interleaved: repetition r of every pair still outside the target, workload → runtime.
  for (let rep = policy.minReps + 1; rep <= policy.maxReps && !context.signal.aborted; rep++) {
    const round = nextRound(plan, trials, rep).map(({ runtime, workload }) => ({ runtime, workload, rep, trialId: `${runtime}-${workload}-${rep}` }));
    if (round.length === 0) break;
    trials.push(...(await runPlannedList(context, round, trials.length, trials.length + round.length)));
  }
  return { warmups, trials, repetitions: repetitionRecords(plan, trials, context.signal.aborted) };
}

/** Run planned trials in order; `offset` and `total` place them in the whole run for progress lines. */
async function runPlannedList(context: SuiteRunContext, planned: PlannedTrial[], offset: number, total: number): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  for (const [position, trial] of planned.entries()) {
    const index = offset + position;
    if (context.signal.aborted) {
      results.push({ ...trial, state: 'aborted', reason: 'run interrupted before this trial started' });
      continue;
    }
    context.onTrialStart(trial, index, total);
    const result = await runPlanned(context, trial);
    results.push(result);
    context.onTrial(result, index, total);
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
