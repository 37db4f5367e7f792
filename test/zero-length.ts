import type { ResultFile, TrialResult } from '../src/results/types.js';

/** Boot time, CPU seconds and the kernel's memory high-water mark: the figures a guest of any length must have. */
export function zeroLengthProblems(trial: TrialResult): string[] {
  if (trial.state === 'aborted') return [`${trial.trialId}: aborted`];
  const problems: string[] = [];
  if (!(trial.boot && trial.boot.bootToReadyMs > 0)) problems.push('no boot time');
  const cpu = trial.resources?.['cgroup.cpu_seconds'];
  if (!(cpu?.last !== undefined && cpu.last > 0)) problems.push(`no CPU figure (${cpu?.missingReason ?? 'absent'})`);
  const peak = trial.resources?.['cgroup.memory_peak_bytes'];
  if (!(peak?.peak !== undefined && peak.peak > 0))
    problems.push(`no peak memory (${peak?.missingReason ?? 'absent'})`);
  // The last sample is taken after the guest is gone.
  if (trial.state === 'completed') {
    const last = trial.series.events.at(-1);
    if (last?.label !== 'end') problems.push(`last event ${last?.label ?? 'none'}, not end`);
    else if (last.row !== trial.series.tMs.length - 1) problems.push('a sample after the final one');
  }
  return problems.map((problem) => `${trial.trialId}: ${problem}`);
}

/** A suite of zero-length idle guests, `reps` per runtime. */
export function zeroLengthSuite(runtimes: readonly string[], reps: number): object {
  return { name: 'short-lived', runtimes, workloads: [{ name: 'idle', reps, params: { duration_s: 0 } }] };
}

/** Every problem of a zero-length run's trials. */
export function zeroLengthRunProblems(result: ResultFile): string[] {
  return result.trials.flatMap(zeroLengthProblems);
}
