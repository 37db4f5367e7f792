import type { RuntimeName } from '../config/suite.js';
import { figuresOf, isResourceFigure, isWorkloadMetric, type Figure } from './figures.js';
import { describe, type Stats } from './stats.js';
import type { ResultFile } from './types.js';

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

/** Each runtime × workload of a result described from its figures (src/results/figures.ts), in the model's order. */
export function aggregate(result: Pick<ResultFile, 'trials'> & Partial<Pick<ResultFile, 'runtimes'>>): GroupSummary[] {
  const model = figuresOf(result);
  const byGroup = new Map<string, Figure[]>();
  for (const figure of model.all.values()) {
    const key = `${figure.runtime}\u0000${figure.workload}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), figure]);
  }
  return model.groups.map((group) => {
    const figures = byGroup.get(`${group.runtime}\u0000${group.workload}`) ?? [];
    const stats = (figure: Figure) => describe(figure.values) as Stats;
    const named = (metric: string) => figures.find((figure) => figure.metric === metric);
    const phasePrefix = 'boot.phase.';
    const summary: GroupSummary = {
      ...group,
      phases: figures
        .filter((figure) => figure.metric.startsWith(phasePrefix))
        .map((figure) => ({ name: figure.metric.slice(phasePrefix.length), stats: stats(figure) })),
      metrics: figures.filter(isWorkloadMetric).map((figure) => ({
        name: figure.metric,
        unit: figure.unit,
        direction: figure.direction,
        source: figure.source,
        stats: stats(figure),
      })),
      resources: Object.fromEntries(
        figures
          .filter(isResourceFigure)
          .map((figure) => [figure.metric, { unit: figure.unit, source: figure.source, stats: stats(figure) }]),
      ),
    };
    const boot = named('boot.bootToReadyMs');
    if (boot) summary.bootToReadyMs = stats(boot);
    const uptime = named('boot.guestUptimeAtReadyMs');
    if (uptime) summary.guestUptimeAtReadyMs = stats(uptime);
    return summary;
  });
}
