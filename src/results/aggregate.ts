import type { RuntimeName } from '../config/suite.js';
import { describe, type Stats } from './stats.js';
import type { ResultFile, TrialResult } from './types.js';

/** Statistics of one runtime × workload over its completed trials. */
export interface GroupSummary {
  runtime: RuntimeName;
  workload: string;
  completed: number;
  errored: number;
  aborted: number;
  bootToReadyMs?: Stats;
  guestUptimeAtReadyMs?: Stats;
  phases: { name: string; stats: Stats }[];
  metrics: { name: string; unit: string; direction: 'higher' | 'lower'; source: string; stats: Stats }[];
  /** Resource figures: `<column>.<peak|mean|atReady|last|atExit>` → stats over trials. */
  resources: Record<string, { unit: string; source: string; stats: Stats }>;
}

function collect(values: (number | undefined)[]): Stats | undefined {
  return describe(values.filter((value): value is number => value !== undefined));
}

/** Group a result's trials by runtime × workload and describe each group. */
export function aggregate(result: Pick<ResultFile, 'trials'>): GroupSummary[] {
  const groups = new Map<string, TrialResult[]>();
  for (const trial of result.trials) {
    const key = `${trial.runtime}\u0000${trial.workload}`;
    groups.set(key, [...(groups.get(key) ?? []), trial]);
  }
  const summaries: GroupSummary[] = [];
  for (const trials of groups.values()) {
    const first = trials[0];
    if (!first) continue;
    const done = trials.flatMap((trial) => (trial.state === 'completed' ? [trial] : []));
    const phaseNames = [...new Set(done.flatMap((trial) => trial.boot.phases.map((phase) => phase.name)))];
    const metricNames = [...new Set(done.flatMap((trial) => trial.metrics.map((metric) => metric.name)))];
    const resources: GroupSummary['resources'] = {};
    const columns = new Set(done.flatMap((trial) => Object.keys(trial.resources)));
    for (const column of columns) {
      for (const field of ['peak', 'mean', 'atReady', 'last', 'atExit'] as const) {
        const stats = collect(done.map((trial) => trial.resources[column]?.[field]));
        const sample = done.find((trial) => trial.resources[column])?.resources[column];
        if (stats && sample) resources[`${column}.${field}`] = { unit: sample.unit, source: sample.source, stats };
      }
    }
    const summary: GroupSummary = {
      runtime: first.runtime,
      workload: first.workload,
      completed: done.length,
      errored: trials.filter((trial) => trial.state === 'errored').length,
      aborted: trials.filter((trial) => trial.state === 'aborted').length,
      phases: phaseNames.flatMap((name) => {
        const stats = collect(done.map((trial) => trial.boot.phases.find((phase) => phase.name === name)?.ms));
        return stats ? [{ name, stats }] : [];
      }),
      metrics: metricNames.flatMap((name) => {
        const values = done.flatMap((trial) => trial.metrics.filter((metric) => metric.name === name));
        const stats = describe(values.map((metric) => metric.value));
        const sample = values[0];
        return stats && sample
          ? [{ name, unit: sample.unit, direction: sample.direction, source: sample.source, stats }]
          : [];
      }),
      resources,
    };
    const boot = collect(done.map((trial) => trial.boot.bootToReadyMs));
    if (boot) summary.bootToReadyMs = boot;
    const uptime = collect(done.map((trial) => trial.boot.guestUptimeAtReadyMs));
    if (uptime) summary.guestUptimeAtReadyMs = uptime;
    summaries.push(summary);
  }
  return summaries;
}
