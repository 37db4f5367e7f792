import type { Backend } from '../contract/backend.js';
import type { RuntimeName, SuiteConfig } from '../config/suite.js';
import type { WorkloadManifest } from '../config/workload-manifest.js';
import type { RepetitionRecord, TrialResult } from '../results/types.js';
import { nextRound, repetitionRecords, type AdaptivePlan } from './adaptive-reps.js';
import { describeError } from '../errors.js';
import { runTrial } from './run-trial.js';
import type { SamplingOptions } from './trial-sampling.js';
import { hostLoadBetween, readLoadSnapshot } from '../host/host-load.js';
import { seededRandom } from '../results/random.js';
import { writeScratchFile } from './scratch.js';

/** One planned trial. */
export interface PlannedTrial {
  runtime: RuntimeName;
  workload: string;
  rep: number;
  trialId: string;
}

/** The runtimes in the order they run in one repetition of one workload: a seeded shuffle of the suite's. */
export function runtimeOrder(config: SuiteConfig, workload: string, rep: number): RuntimeName[] {
  // One stream per (seed, workload, repetition): adaptive rounds and warm-ups get the same order for the same block.
  let hash = (config.orderSeed ?? 0) >>> 0;
  for (const char of `${workload}#${rep}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  const random = seededRandom(hash);
  const order = [...config.runtimes];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as RuntimeName, order[i] as RuntimeName];
  }
  return order;
}

/**
 * Plan trials interleaved (workload → repetition → runtime), so slow drift on the host (thermal,
 * page cache, other tenants) hits every runtime alike instead of whichever ran last; within each
 * repetition the runtimes run in a seeded random order (`config.orderSeed`), so none always runs
 * first, after a cold start, or right after another's teardown.
 */
export function planTrials(config: SuiteConfig): PlannedTrial[] {
  return config.workloads.flatMap((workload) => planWorkload(config, workload.name, workload.reps));
}

/** A trial as it is planned and named, once: `qemu-cpu-3`, `docker-idle-warmup-1`. */
function planned(runtime: RuntimeName, workload: string, rep: number, warmup = false): PlannedTrial {
  return { runtime, workload, rep, trialId: `${runtime}-${workload}-${warmup ? 'warmup-' : ''}${rep}` };
}

function planWorkload(config: SuiteConfig, workload: string, reps: number): PlannedTrial[] {
  const trials: PlannedTrial[] = [];
  for (let rep = 1; rep <= reps; rep++)
    for (const runtime of runtimeOrder(config, workload, rep)) trials.push(planned(runtime, workload, rep));
  return trials;
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
  /** Every finished trial and warm-up, as it finishes (the run's journal). */
  onRecord?: (kind: 'trial' | 'warmup', result: TrialResult) => void;
  /** Called before each trial starts. */
  onTrialStart: (trial: PlannedTrial, index: number, total: number) => void;
  /**
   * Where the host has energy counters: measure one idle window of the run's baseline (nothing of the run running).
   * Called before each workload and after the last trial, so that drift over the run reaches the baseline too.
   */
  idleWindow?: () => Promise<void>;
}

/**
 * Warm-up trials of one workload: `config.warmup` per runtime, run just before its measured trials.
 * The first start of a runtime pays cold caches (engine, page cache), and so does the first run of
 * each workload (its binaries, its host-side client): here the first container of a run took up to
 * 10x longer. Warm-ups are recorded apart and never in a statistic.
 */
function planWarmups(config: SuiteConfig, workload: string): PlannedTrial[] {
  const trials: PlannedTrial[] = [];
  for (let rep = 1; rep <= config.warmup; rep++)
    for (const runtime of runtimeOrder(config, `${workload} warm-up`, rep))
      trials.push(planned(runtime, workload, rep, true));
  return trials;
}

/** Results of a suite: warm-ups (kept apart, never in statistics) and the measured trials. */
export interface SuiteResults {
  warmups: TrialResult[];
  trials: TrialResult[];
  /** Under `--target-ci`: the repetitions each runtime × workload ran and why it stopped. */
  repetitions?: RepetitionRecord[];
}

/**
 * Run each workload's warm-ups, then its planned trials; after an interrupt the remaining ones are
 * recorded as aborted. Under `--target-ci`, rounds of further repetitions follow.
 */
export async function runSuite(context: SuiteRunContext): Promise<SuiteResults> {
  const warmups: TrialResult[] = [];
  const trials: TrialResult[] = [];
  const total = planTrials(context.config).length;
  const idle = async () => {
    if (!context.signal.aborted) await context.idleWindow?.();
  };
  for (const workload of context.config.workloads) {
    await idle();
    for (const trial of planWarmups(context.config, workload.name)) {
      if (context.signal.aborted) break;
      context.onTrialStart(trial, -1, 0);
      const warmup = await runPlanned(context, trial);
      warmups.push(warmup);
      context.onRecord?.('warmup', warmup);
    }
    trials.push(
      ...(await runPlannedList(
        context,
        planWorkload(context.config, workload.name, workload.reps),
        trials.length,
        total,
      )),
    );
  }
  const policy = context.config.repetitionPolicy;
  if (!policy) {
    await idle();
    return { warmups, trials };
  }
  const plan: AdaptivePlan = {
    policy,
    runtimes: context.config.runtimes,
    workloads: context.config.workloads.map((workload) => workload.name),
    declaredKeys: new Map(
      [...context.manifests].map(([name, manifest]) => [
        name,
        manifest.metrics.filter((m) => m.keyFigure).map((m) => m.name),
      ]),
    ),
  };
  // Rounds stay interleaved: repetition r of every pair still outside the target, workload → runtime.
  for (let rep = policy.minReps + 1; rep <= policy.maxReps && !context.signal.aborted; rep++) {
    const pairs = nextRound(plan, trials, rep);
    // The block's seeded order, restricted to the pairs that still need a repetition.
    const round = context.config.workloads.flatMap(({ name }) =>
      runtimeOrder(context.config, name, rep)
        .filter((runtime) => pairs.some((pair) => pair.runtime === runtime && pair.workload === name))
        .map((runtime) => planned(runtime, name, rep)),
    );
    if (round.length === 0) break;
    trials.push(...(await runPlannedList(context, round, trials.length, trials.length + round.length)));
  }
  await idle();
  return { warmups, trials, repetitions: repetitionRecords(plan, trials, context.signal.aborted) };
}

/** Run planned trials in order; `offset` and `total` place them in the whole run for progress lines. */
async function runPlannedList(
  context: SuiteRunContext,
  planned: PlannedTrial[],
  offset: number,
  total: number,
): Promise<TrialResult[]> {
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
    context.onRecord?.('trial', result);
  }
  return results;
}

async function runPlanned(context: SuiteRunContext, trial: PlannedTrial): Promise<TrialResult> {
  const backend = context.backends.get(trial.runtime);
  const manifest = context.manifests.get(trial.workload);
  const suiteWorkload = context.config.workloads.find((w) => w.name === trial.workload);
  if (!backend || !manifest || !suiteWorkload) throw new Error(`no backend or workload for ${trial.trialId}`);
  const params: Record<string, string | number> = {
    ...manifest.params,
    ...suiteWorkload.params,
    threads: context.config.vcpus,
  };
  let scratch: Awaited<ReturnType<typeof writeScratchFile>> | undefined;
  if (manifest.scratch) {
    try {
      scratch = await writeScratchFile(context.runDir, trial.trialId, Number(params.size_mib));
    } catch (error) {
      return {
        ...trial,
        state: 'errored',
        error: `writing the ${String(params.size_mib)} MiB scratch file failed: ${describeError(error)}`,
      };
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
  const before = await readLoadSnapshot();
  const harnessBefore = process.cpuUsage();
  try {
    const result = await runTrial(backend, spec, trial.rep, context.sampling);
    const harness = process.cpuUsage(harnessBefore);
    const hostLoad = hostLoadBetween(before, await readLoadSnapshot(), context.sampling.tickSeconds);
    return hostLoad
      ? { ...result, hostLoad: { ...hostLoad, harnessCpuSeconds: Math.round(harness.user + harness.system) / 1e6 } }
      : result;
  } finally {
    await scratch?.remove();
  }
}
