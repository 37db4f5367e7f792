// Over 300 lines on purpose: the history's model (runs by host, series, change points) and its Markdown summary share
// their types and are read together; the page itself is history-html.ts.
import { basename } from 'node:path';
import { describe, median } from '../results/stats.js';
import { defaultAlpha, defaultThreshold, type CheckOptions } from './check.js';
import { formatP } from './regression.js';
import { hostFiguresWorkload, isGatingFigure } from '../results/figures.js';
import { findChangePoints } from '../results/change-points.js';
import type { Figure } from '../results/figures.js';
import { formatNumber, intervalLegend, literal, markdownTable } from './format.js';
import { archFromUname } from '../host/arch.js';
import { dimensionDifferences } from './host-dimensions.js';
import type { RunSummary } from './run-summary.js';

/** One host's runs over time: what `bench history` draws a line of, per runtime and figure. */
export interface HostHistory {
  /** How the page names the host: its hostname, with the guest architecture or CPU where two series share a name. */
  label: string;
  runs: RunSummary[];
}

/** Where a host's series of one figure shifted, found over all its runs (src/results/change-points.ts). */
interface ChangePoint {
  host: string;
  /** The last run before the shift and the first run after it. */
  from: RunSummary;
  to: RunSummary;
  /** `runtime/workload/metric`. */
  key: string;
  verdict: 'regressed' | 'improved';
  /** Whether the figure gates `bench check`. */
  gates: boolean;
  /** Relative change between the segments' means of run medians. */
  change: number;
  reason: string;
  /** What else changed at that run: host dimensions (twinbench's commit, kernel, engine versions…) as `name: before → after`. */
  differences: string[];
}

/** One point of a history line: a run's median of a figure, with its 95 % interval. */
interface HistoryPoint {
  /** The run's start, ms since the epoch. */
  at: number;
  runId: string;
  file: string;
  median: number;
  low: number | null;
  high: number | null;
  n: number;
  /** Set on the first run after a change point. */
  change?: { verdict: 'regressed' | 'improved'; gates: boolean; reason: string };
}

/** One chart: a figure of one workload, a line per host × runtime. */
interface HistoryFigure {
  id: string;
  workload: string;
  metric: string;
  unit: string;
  direction: 'higher' | 'lower';
  series: { host: string; runtime: string; points: HistoryPoint[] }[];
}

/** Everything the history page and its summary show. */
export interface HistoryModel {
  hosts: HostHistory[];
  figures: HistoryFigure[];
  changes: ChangePoint[];
  /** The level and thresholds the change points were found at. */
  alpha: number;
  threshold?: number;
}

/** Which runs form one line: one host (as `bench check` sees it) running one guest architecture. */
function seriesKey(run: RunSummary): string {
  return `${run.identity}\u0000${run.arch}`;
}

/** Group runs by host, each host's runs in the order they started; labels stay unique and readable. */
export function groupByHost(files: readonly RunSummary[]): HostHistory[] {
  const groups = new Map<string, RunSummary[]>();
  for (const file of files) {
    const key = seriesKey(file);
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  const entries = [...groups.values()].map((runs) =>
    runs.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.path.localeCompare(b.path)),
  );
  // Machines (name, CPU, architecture) per hostname: a CPU in the label only where two machines share a name.
  const machines = new Map<string, Set<string>>();
  for (const runs of entries)
    machines.set(runs[0]!.hostname, (machines.get(runs[0]!.hostname) ?? new Set()).add(runs[0]!.identity));
  return entries
    .map((runs) => {
      const first = runs[0]!;
      const guest = first.arch === archFromUname(first.hostArch) ? '' : ` [${first.arch} guests]`;
      const cpu = (machines.get(first.hostname)?.size ?? 0) > 1 ? ` (${first.cpu}, ${first.hostArch})` : '';
      return { label: `${first.hostname}${guest}${cpu}`, runs };
    })
    .sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Each host's series of run medians, per runtime and figure, searched for change points over all its runs
 * (E-divisive means, confirmed by a t-test at α and the figure's threshold, as `bench check` uses them): a change
 * point is where the series shifted and stayed, not every pair of consecutive runs that differ.
 */
export function buildHistory(
  files: readonly RunSummary[],
  options: Pick<CheckOptions, 'alpha' | 'threshold'> = {},
): HistoryModel {
  const alpha = options.alpha ?? defaultAlpha;
  const hosts = groupByHost(files);
  const changes: ChangePoint[] = [];
  const figures = new Map<string, HistoryFigure>();
  for (const host of hosts) {
    const keys = new Map<string, Figure>();
    for (const run of host.runs) for (const [key, entry] of run.samples) if (!keys.has(key)) keys.set(key, entry);
    const hostFiguresFrom = hostFiguresWorkload(keys.values());
    for (const [key, entry] of keys) {
      // Only runs that measured the figure as its latest definition does (unit and source) are one series.
      const latest =
        [...host.runs]
          .reverse()
          .map((run) => run.samples.get(key))
          .find((found) => found !== undefined) ?? entry;
      const runs = host.runs.filter((run) => {
        const found = run.samples.get(key);
        return (
          found !== undefined && found.unit === latest.unit && found.source === latest.source && found.values.length > 0
        );
      });
      const medians = runs.map((run) => median(run.samples.get(key)!.values));
      const threshold = options.threshold ?? defaultThreshold(entry.metric);
      const gates = isGatingFigure(latest, hostFiguresFrom);
      const marks = new Map<number, ChangePoint>();
      for (const point of findChangePoints(medians, alpha, threshold)) {
        const worse = latest.direction === 'higher' ? point.change < 0 : point.change > 0;
        const [from, to] = [runs[point.index - 1]!, runs[point.index]!];
        const change: ChangePoint = {
          host: host.label,
          from,
          to,
          key,
          verdict: worse ? 'regressed' : 'improved',
          gates,
          change: point.change,
          reason: `runs before: mean of medians ${formatNumber(point.meanBefore)}, after: ${formatNumber(point.meanAfter)} (${point.index} and ${medians.length - point.index} runs in the segment), p = ${formatP(point.p)}`,
          differences: dimensionDifferences(from.dimensions, to.dimensions),
        };
        changes.push(change);
        marks.set(point.index, change);
      }
      const id = `${latest.workload}/${latest.metric}`;
      const figure = figures.get(id) ?? {
        id,
        workload: latest.workload,
        metric: latest.metric,
        unit: latest.unit,
        direction: latest.direction,
        series: [],
      };
      figures.set(id, figure);
      const points: HistoryPoint[] = runs.flatMap((run, index) => {
        const stats = describe(run.samples.get(key)!.values);
        if (!stats) return [];
        const moved = marks.get(index);
        return [
          {
            at: Date.parse(run.startedAt),
            runId: run.runId,
            file: basename(run.path),
            median: stats.median,
            low: stats.ci95?.low ?? null,
            high: stats.ci95?.high ?? null,
            n: stats.n,
            ...(moved ? { change: { verdict: moved.verdict, gates: moved.gates, reason: moved.reason } } : {}),
          },
        ];
      });
      figure.series.push({ host: host.label, runtime: latest.runtime, points });
    }
  }
  const ordered = [...figures.values()].sort(
    (a, b) =>
      a.workload.localeCompare(b.workload) ||
      figureRank(a.metric) - figureRank(b.metric) ||
      a.metric.localeCompare(b.metric),
  );
  return {
    hosts,
    figures: ordered,
    changes,
    alpha,
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
  };
}

/** Workload figures first, then boot, then the host-side resource figures. */
function figureRank(metric: string): number {
  if (!metric.includes('.')) return 0;
  return metric.startsWith('boot.') ? 1 : 2;
}

const day = (at: string) => at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
const percent = (change: number | undefined) =>
  change === undefined ? 'n/a' : `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %`;

/** The Markdown summary: the hosts and their runs, what moved between consecutive runs, what could not be compared. */
export function renderHistoryMarkdown(
  model: HistoryModel,
  skipped: readonly { path: string; reason: string }[] = [],
): string {
  const runs = model.hosts.flatMap((host) => host.runs);
  const starts = runs.map((run) => run.startedAt).sort();
  const lines = [
    '# twinbench history',
    '',
    `${runs.length} result file(s) of ${model.hosts.length} host(s), ${starts.length ? `${day(starts[0]!)} to ${day(starts.at(-1)!)}` : 'none'}.`,
    '',
    `Change points are searched over each host's whole series of run medians, per runtime and figure, as Otava does: E-divisive means proposes the split where the two sides differ most, a Student's t-test between the sides decides at α = ${model.alpha}, and the two sides' means must differ by more than the figure's threshold (${model.threshold === undefined ? '10 % for boot and CPU time, 5 % otherwise' : `${(model.threshold * 100).toFixed(1)} %`}); each side is searched again. A change point marks the first run after a shift that lasted (at least 2 runs on each side), not a pair of consecutive runs that differ: the newest run alone is \`bench check\`'s question.`,
    '',
    '## Hosts',
    '',
    ...markdownTable(
      ['host', 'runs', 'first', 'last', 'CPU', 'guest arch', 'runtimes in the last run', 'last run'],
      model.hosts.map((host) => {
        const last = host.runs.at(-1)!;
        return [
          literal(host.label, true),
          String(host.runs.length),
          day(host.runs[0]!.startedAt),
          day(last.startedAt),
          `${literal(last.cpu, true)} (${last.cores} CPUs)`,
          last.arch,
          last.runtimes.join(', '),
          `${last.status}, ${last.completed}/${last.trials} trials completed`,
        ];
      }),
    ),
  ];
  lines.push('', '## What moved', '');
  if (model.changes.length === 0) {
    lines.push(
      `Nothing moved: no host's series of any figure shifted by more than its threshold at α = ${model.alpha}.`,
    );
  } else {
    const order = (change: ChangePoint) => (change.verdict === 'regressed' ? 0 : 1) + (change.gates ? 0 : 2);
    const changes = [...model.changes].sort(
      (a, b) =>
        order(a) - order(b) ||
        a.host.localeCompare(b.host) ||
        a.to.startedAt.localeCompare(b.to.startedAt) ||
        a.key.localeCompare(b.key),
    );
    lines.push(
      ...markdownTable(
        [
          'host',
          'last run before → first run after',
          'figure',
          'verdict',
          'gates',
          'change of the mean',
          'why',
          'what else changed at that run',
        ],
        changes.map((change) => [
          literal(change.host, true),
          `${literal(basename(change.from.path), true)} → ${literal(basename(change.to.path), true)}`,
          literal(change.key, true),
          change.verdict,
          change.gates ? 'yes' : 'informs',
          percent(change.change),
          literal(change.reason, true),
          change.differences.length ? literal(change.differences.join('; '), true) : 'nothing recorded',
        ]),
      ),
    );
  }
  if (skipped.length > 0)
    lines.push(
      '',
      '## Files skipped',
      '',
      ...skipped.map((file) => `- ${literal(file.path)}: ${literal(file.reason)}`),
    );
  lines.push('', '## Latest medians', '', intervalLegend, '');
  const shown = (point: HistoryPoint) =>
    `${formatNumber(point.median)} ${point.low === null ? '[—]' : `[${formatNumber(point.low)}, ${formatNumber(point.high!)}]`} n=${point.n}`;
  const latest = model.figures
    .filter((candidate) => !candidate.metric.includes('.') || candidate.metric === 'boot.bootToReadyMs')
    .flatMap((figure) =>
      figure.series.map((series) => {
        const [first, last] = [series.points[0]!, series.points.at(-1)!];
        return [
          literal(series.host, true),
          literal(`${series.runtime}/${figure.workload}/${figure.metric}`, true),
          literal(figure.unit, true),
          shown(first),
          series.points.length > 1 ? shown(last) : 'one run',
        ];
      }),
    );
  lines.push(...markdownTable(['host', 'figure', 'unit', 'first run', 'last run'], latest));
  lines.push('');
  return lines.join('\n');
}
