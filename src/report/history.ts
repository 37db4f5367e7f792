import { basename } from 'node:path';
import { TwinbenchError } from '../errors.js';
import { collectSamples } from '../results/samples.js';
import { describe } from '../results/stats.js';
import type { ResultFile } from '../results/types.js';
import { checkResults, type CheckOptions } from './check.js';
import { cell, formatNumber, intervalLegend } from './format.js';
import type { NamedResult } from './compare.js';
import { archFromUname } from '../host/arch.js';
import { hostIdentity } from './host-dimensions.js';

/** One host's runs over time: what `bench history` draws a line of, per runtime and figure. */
export interface HostHistory {
  /** How the page names the host: its hostname, with the guest architecture or CPU where two series share a name. */
  label: string;
  runs: NamedResult[];
}

/** A change between two consecutive runs of one host, found by the statistics of `bench check`. */
export interface ChangePoint {
  host: string;
  from: NamedResult;
  to: NamedResult;
  /** `runtime/workload/metric`. */
  key: string;
  verdict: 'regressed' | 'improved';
  /** Whether the figure gates `bench check` (a gating regression fails it). */
  gates: boolean;
  change: number | undefined;
  reason: string;
}

/** A pair of consecutive runs `bench check` would refuse to compare (a figure's definition changed…). */
export interface UncomparedPair {
  host: string;
  from: NamedResult;
  to: NamedResult;
  reason: string;
}

/** One point of a history line: a run's median of a figure, with its 95 % interval. */
export interface HistoryPoint {
  /** The run's start, ms since the epoch. */
  at: number;
  runId: string;
  file: string;
  median: number;
  low: number | null;
  high: number | null;
  n: number;
  /** Set where this run moved the figure from the host's previous run. */
  change?: { verdict: 'regressed' | 'improved'; gates: boolean; reason: string };
}

/** One chart: a figure of one workload, a line per host × runtime. */
export interface HistoryFigure {
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
  uncompared: UncomparedPair[];
  /** The options every consecutive pair was checked with. */
  alpha: number;
}

/** Which runs form one line: one host (as `bench check` sees it) running one guest architecture. */
function seriesKey(result: ResultFile): string {
  return `${hostIdentity(result)}\u0000${result.config.arch}`;
}

/** Group runs by host, each host's runs in the order they started; labels stay unique and readable. */
export function groupByHost(files: readonly NamedResult[]): HostHistory[] {
  const groups = new Map<string, NamedResult[]>();
  for (const file of files) {
    const key = seriesKey(file.result);
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  const entries = [...groups.values()].map((runs) => runs.sort((a, b) => Date.parse(a.result.startedAt) - Date.parse(b.result.startedAt) || a.path.localeCompare(b.path)));
  // Machines (name, CPU, architecture) per hostname: a CPU in the label only where two machines share a name.
  const machines = new Map<string, Set<string>>();
  for (const runs of entries) {
    const { host } = runs[0]!.result;
    machines.set(host.hostname, (machines.get(host.hostname) ?? new Set()).add(hostIdentity(runs[0]!.result)));
  }
  return entries
    .map((runs) => {
      const { host, config } = runs[0]!.result;
      const guest = config.arch === archFromUname(host.arch) ? '' : ` [${config.arch} guests]`;
      const cpu = (machines.get(host.hostname)?.size ?? 0) > 1 ? ` (${host.cpu.brand}, ${host.arch})` : '';
      return { label: `${host.hostname}${guest}${cpu}`, runs };
    })
    .sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Each host's consecutive runs checked as `bench check --baseline PREVIOUS CURRENT` does (permutation test,
 * Holm over the gating figures, the same thresholds), so a change point on the page is exactly what the gate
 * would have said on that day. Run problems (errored trials, too few repetitions) do not hide the figures:
 * they are the gate's business, and a history shows what was measured.
 */
export function buildHistory(files: readonly NamedResult[], options: Pick<CheckOptions, 'alpha' | 'threshold'> = {}): HistoryModel {
  const hosts = groupByHost(files);
  const changes: ChangePoint[] = [];
  const uncompared: UncomparedPair[] = [];
  for (const host of hosts) {
    for (let i = 1; i < host.runs.length; i++) {
      const [from, to] = [host.runs[i - 1]!, host.runs[i]!];
      try {
        const report = checkResults(from.result, to.result, { ...options, crossHost: false, allowErrored: true, allowUnderpowered: true, detectableEffects: false });
        for (const row of report.rows) {
          if (row.verdict === 'regressed' || row.verdict === 'improved') changes.push({ host: host.label, from, to, key: row.key, verdict: row.verdict, gates: row.gates, change: row.change, reason: row.reason });
        }
      } catch (error) {
        if (!(error instanceof TwinbenchError)) throw error;
        uncompared.push({ host: host.label, from, to, reason: error.message });
      }
    }
  }
  const figures = new Map<string, HistoryFigure>();
  for (const host of hosts) {
    for (const run of host.runs) {
      for (const entry of collectSamples(run.result).values()) {
        const stats = describe(entry.values);
        if (!stats) continue;
        const id = `${entry.workload}/${entry.metric}`;
        const figure = figures.get(id) ?? { id, workload: entry.workload, metric: entry.metric, unit: entry.unit, direction: entry.direction, series: [] };
        figures.set(id, figure);
        let series = figure.series.find((candidate) => candidate.host === host.label && candidate.runtime === entry.runtime);
        if (!series) {
          series = { host: host.label, runtime: entry.runtime, points: [] };
          figure.series.push(series);
        }
        const moved = changes.find((change) => change.to === run && change.key === entry.key);
        series.points.push({
          at: Date.parse(run.result.startedAt),
          runId: run.result.runId,
          file: basename(run.path),
          median: stats.median,
          low: stats.ci95?.low ?? null,
          high: stats.ci95?.high ?? null,
          n: stats.n,
          ...(moved ? { change: { verdict: moved.verdict, gates: moved.gates, reason: moved.reason } } : {}),
        });
      }
    }
  }
  const ordered = [...figures.values()].sort((a, b) => a.workload.localeCompare(b.workload) || figureRank(a.metric) - figureRank(b.metric) || a.metric.localeCompare(b.metric));
  return { hosts, figures: ordered, changes, uncompared, alpha: options.alpha ?? 0.01 };
}

/** Workload figures first, then boot, then the host-side resource figures. */
function figureRank(metric: string): number {
  if (!metric.includes('.')) return 0;
  return metric.startsWith('boot.') ? 1 : 2;
}

const day = (at: string) => at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
const percent = (change: number | undefined) => (change === undefined ? 'n/a' : `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %`);

/** The Markdown summary: the hosts and their runs, what moved between consecutive runs, what could not be compared. */
export function renderHistoryMarkdown(model: HistoryModel, skipped: readonly { path: string; reason: string }[] = []): string {
  const runs = model.hosts.flatMap((host) => host.runs);
  const starts = runs.map((run) => run.result.startedAt).sort();
  const lines = [
    '# twinbench history',
    '',
    `${runs.length} result file(s) of ${model.hosts.length} host(s), ${starts.length ? `${day(starts[0]!)} to ${day(starts.at(-1)!)}` : 'none'}.`,
    '',
    `Each host's consecutive runs are checked as \`bench check --baseline PREVIOUS CURRENT\` checks them: a one-sided permutation test per figure, Holm's correction over the gating figures at α = ${model.alpha}, and a change beyond the figure's threshold (10 % for boot and CPU time, 5 % otherwise, or \`--threshold\`). A change point is a figure the gate would have called *regressed* or *improved* on that run. Informative figures are tested without the correction and never gate.`,
    '',
    '## Hosts',
    '',
    '| host | runs | first | last | CPU | guest arch | runtimes in the last run | last run |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const host of model.hosts) {
    const last = host.runs.at(-1)!.result;
    const done = last.trials.filter((trial) => trial.state === 'completed').length;
    lines.push(
      `| ${cell(host.label)} | ${host.runs.length} | ${day(host.runs[0]!.result.startedAt)} | ${day(last.startedAt)} | ${cell(`${last.host.cpu.brand} (${last.host.cpu.cores} CPUs)`)} | ${last.config.arch} | ${Object.keys(last.runtimes).join(', ')} | ${last.status}, ${done}/${last.trials.length} trials completed |`,
    );
  }
  lines.push('', '## What moved', '');
  if (model.changes.length === 0) {
    lines.push(`Nothing moved: no figure of any host changed between consecutive runs by more than its threshold at α = ${model.alpha}.`);
  } else {
    lines.push('| host | from → to | figure | verdict | gates | change of the mean | why |', '|---|---|---|---|---|---|---|');
    const order = (change: ChangePoint) => (change.verdict === 'regressed' ? 0 : 1) + (change.gates ? 0 : 2);
    for (const change of [...model.changes].sort((a, b) => order(a) - order(b) || a.host.localeCompare(b.host) || a.to.result.startedAt.localeCompare(b.to.result.startedAt) || a.key.localeCompare(b.key))) {
      lines.push(
        `| ${cell(change.host)} | ${cell(`${basename(change.from.path)} → ${basename(change.to.path)}`)} | ${cell(change.key)} | ${change.verdict} | ${change.gates ? 'yes' : 'informs'} | ${percent(change.change)} | ${cell(change.reason)} |`,
      );
    }
  }
  if (model.uncompared.length > 0) {
    lines.push('', '## Not compared', '', ...model.uncompared.map((pair) => `- ${pair.host}: ${basename(pair.from.path)} → ${basename(pair.to.path)}: ${pair.reason}`));
  }
  if (skipped.length > 0) lines.push('', '## Files skipped', '', ...skipped.map((file) => `- ${file.path}: ${file.reason}`));
  lines.push('', '## Latest medians', '', intervalLegend, '', '| host | figure | unit | first run | last run |', '|---|---|---|---|---|');
  for (const figure of model.figures.filter((candidate) => !candidate.metric.includes('.') || candidate.metric === 'boot.bootToReadyMs')) {
    for (const series of figure.series) {
      const [first, last] = [series.points[0]!, series.points.at(-1)!];
      const shown = (point: HistoryPoint) => `${formatNumber(point.median)} ${point.low === null ? '[—]' : `[${formatNumber(point.low)}, ${formatNumber(point.high!)}]`} n=${point.n}`;
      lines.push(`| ${cell(series.host)} | ${cell(`${series.runtime}/${figure.workload}/${figure.metric}`)} | ${cell(figure.unit)} | ${shown(first)} | ${series.points.length > 1 ? shown(last) : 'one run'} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
