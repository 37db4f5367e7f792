import type { PlannedTrial } from '../orchestrator/run-suite.js';
import type { TrialResult } from '../results/types.js';

/** `[3/14] qemu cpu #1 …` shown while a trial runs. */
export function describeTrialStart(trial: PlannedTrial, index: number, total: number): string {
  if (index < 0) return `[warm-up] ${trial.runtime} ${trial.workload} (not measured)…`;
  return `[${index + 1}/${total}] ${trial.runtime} ${trial.workload} #${trial.rep} running…`;
}

/** One line per finished trial: boot time and the workload's figures, or what went wrong. */
export function describeTrial(trial: TrialResult, index: number, total: number): string {
  const head = `[${index + 1}/${total}] ${trial.runtime} ${trial.workload} #${trial.rep}`;
  if (trial.state === 'aborted') return `${head} aborted: ${trial.reason}`;
  const boot = trial.boot ? `ready in ${(trial.boot.bootToReadyMs / 1000).toFixed(2)} s` : 'never ready';
  const metrics = (trial.metrics ?? []).map((metric) => `${metric.name} ${metric.value} ${metric.unit}`).join(', ');
  if (trial.state === 'errored') return `${head} ERRORED (${boot}): ${trial.error}`;
  return `${head} ${boot}${metrics ? `, ${metrics}` : ''}`;
}
