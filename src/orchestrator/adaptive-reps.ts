import type { RepetitionPolicy, RuntimeName } from '../config/suite.js';
import { hostFiguresWorkload, isGatingFigure } from '../results/figures.js';
import { figuresOf } from '../results/figures.js';
import { relativeHalfWidth } from '../results/stats.js';
import type { RepetitionRecord, TrialResult } from '../results/types.js';

/**
 * Each key figure's interval half-width for one runtime × workload: the figures that gate `bench
 * check` (the workload's key figures; boot and working set in the host-figure workload). A key
 * figure declared by the workload but without any value yet counts as `null` (not reached).
 */
export function keyFigureWidths(
  trials: readonly TrialResult[],
  runtime: RuntimeName,
  workload: string,
  declaredKeys: readonly string[],
  hostFiguresFrom: string,
): Record<string, number | null> {
  const mine = trials.filter((trial) => trial.runtime === runtime && trial.workload === workload);
  const widths: Record<string, number | null> = Object.fromEntries(declaredKeys.map((name) => [name, null]));
  for (const entry of figuresOf({ trials: mine }).shown.values()) {
    if (isGatingFigure(entry, hostFiguresFrom)) widths[entry.metric] = relativeHalfWidth(entry.values) ?? null;
  }
  return widths;
}

/** Whether every key figure's interval is within the target; never before a trial of it completed. */
function targetReached(
  widths: Readonly<Record<string, number | null>>,
  policy: RepetitionPolicy,
  completed: number,
): boolean {
  return completed > 0 && Object.values(widths).every((width) => width !== null && width <= policy.targetCi);
}

function completedOf(trials: readonly TrialResult[], runtime: RuntimeName, workload: string): number {
  return trials.filter(
    (trial) => trial.runtime === runtime && trial.workload === workload && trial.state === 'completed',
  ).length;
}

/** What the run needs to decide, per runtime × workload, whether to add a repetition. */
export interface AdaptivePlan {
  policy: RepetitionPolicy;
  runtimes: readonly RuntimeName[];
  workloads: readonly string[];
  /** Key figures each workload declares, by name. */
  declaredKeys: ReadonlyMap<string, readonly string[]>;
}

/** The workload whose boot and working set gate (`hostFiguresWorkload`), from what each workload declares. */
function planHostFigures(plan: AdaptivePlan): string {
  return hostFiguresWorkload(
    plan.workloads.flatMap((workload) => [
      { workload, metric: 'boot.bootToReadyMs' },
      ...(plan.declaredKeys.get(workload) ?? []).map((metric) => ({ workload, metric })),
    ]),
  );
}

/** The runtime × workload pairs that get repetition `rep` (after the first `minReps`): those still outside the target. */
export function nextRound(
  plan: AdaptivePlan,
  trials: readonly TrialResult[],
  rep: number,
): { runtime: RuntimeName; workload: string }[] {
  if (rep > plan.policy.maxReps) return [];
  const hostFiguresFrom = planHostFigures(plan);
  const round: { runtime: RuntimeName; workload: string }[] = [];
  for (const workload of plan.workloads) {
    for (const runtime of plan.runtimes) {
      const ran = trials.filter((trial) => trial.runtime === runtime && trial.workload === workload).length;
      if (ran !== rep - 1) continue;
      const widths = keyFigureWidths(trials, runtime, workload, plan.declaredKeys.get(workload) ?? [], hostFiguresFrom);
      if (!targetReached(widths, plan.policy, completedOf(trials, runtime, workload)))
        round.push({ runtime, workload });
    }
  }
  return round;
}

/** Why each runtime × workload stopped where it did, with its final interval widths. */
export function repetitionRecords(
  plan: AdaptivePlan,
  trials: readonly TrialResult[],
  interrupted: boolean,
): RepetitionRecord[] {
  const hostFiguresFrom = planHostFigures(plan);
  return plan.workloads.flatMap((workload) =>
    plan.runtimes.map((runtime) => {
      const halfWidths = keyFigureWidths(
        trials,
        runtime,
        workload,
        plan.declaredKeys.get(workload) ?? [],
        hostFiguresFrom,
      );
      const reps = trials.filter(
        (trial) => trial.runtime === runtime && trial.workload === workload && trial.state !== 'aborted',
      ).length;
      const stop = targetReached(halfWidths, plan.policy, completedOf(trials, runtime, workload))
        ? 'target-reached'
        : interrupted
          ? 'interrupted'
          : 'max-reps';
      return { runtime, workload, reps, stop, halfWidths } satisfies RepetitionRecord;
    }),
  );
}
