import { idleWatts, isEnergyFigure } from '../results/energy.js';
import { figuresOf, type Figure } from '../results/figures.js';
import { describe } from '../results/stats.js';
import type { ResultFile } from '../results/types.js';
import { cell, formatNumber, formatStats, intervalLegend, literal, markdownTable } from './format.js';
import { shown } from './kinds.js';

/**
 * Why this result has no energy figure, said once for the run (the report does not repeat it per row); undefined
 * when it has some. Files from before energy figures say what their fingerprint recorded.
 */
export function energyMissing(result: Pick<ResultFile, 'energy' | 'host' | 'trials'>): string | undefined {
  const energy = result.energy;
  if (!energy)
    return result.host.fingerprint?.energyCounters
      ? 'this file is from a version that recorded the energy counters without reading them during trials'
      : 'not recorded (a file from before energy figures)';
  if (energy.missingReason) return energy.missingReason;
  if (idleWatts(energy) === undefined) return 'no idle window of the baseline was measured (the run stopped first?)';
  const reasons = result.trials.flatMap((trial) =>
    trial.state !== 'aborted' && trial.energy?.missingReason ? [trial.energy.missingReason] : [],
  );
  const any = [...figuresOf(result).shown.values()].some(isEnergyFigure);
  return any ? undefined : (reasons[0] ?? 'no trial completed with energy readings');
}

/** One line for the host's paragraph: which counters, the idle draw, or why there is no energy figure. */
export function energyLine(result: ResultFile): string[] {
  const energy = result.energy;
  const missing = energyMissing(result);
  if (missing) return [`Energy figures: none, ${literal(missing)}.`];
  if (!energy) return [];
  const watts = idleWatts(energy) as number;
  const simulated = energy.simulatedRoot
    ? ` **Simulated counters** (${literal(energy.simulatedRoot)}): these figures measure the simulation, not this host.`
    : '';
  return [
    `Energy figures from ${literal(energy.zones.join(', '))}; idle draw ${formatNumber(watts)} W (median of ${energy.idle.length} idle window(s) between workloads).${simulated}`,
  ];
}

const columns: readonly [label: string, metric: string][] = [
  ['boot, J above idle', 'energy.boot.joules'],
  ['boot, J attributed', 'energy.boot.attributedJoules'],
  ['workload, W above idle', 'energy.workload.watts'],
  ['workload, W attributed', 'energy.workload.attributedWatts'],
];

/**
 * The "Energy" section: per runtime × workload, joules per boot, watts over the workload (for the idle workload, what
 * an idle guest costs), and joules per operation of each throughput figure; each above the idle draw and attributed.
 */
export function energyTable(result: ResultFile): string[] {
  if (energyMissing(result)) return [];
  const model = figuresOf(result);
  const figure = (runtime: string, workload: string, metric: string): Figure | undefined =>
    model.shown.get(`${runtime}/${workload}/${metric}`);
  const stats = (found: Figure | undefined) => formatStats(found ? describe(found.values) : undefined);
  const rows = model.groups.flatMap((group) => {
    const perOperation = [...model.shown.values()].filter(
      (found) =>
        found.runtime === group.runtime &&
        found.workload === group.workload &&
        found.metric.startsWith('energy.perOperation.') &&
        !found.metric.endsWith('.attributed'),
    );
    const operations = perOperation
      .map((found) => {
        const attributed = figure(group.runtime, group.workload, `${found.metric}.attributed`);
        const name = found.metric.slice('energy.perOperation.'.length);
        return `${name}: ${stats(found)} ${found.unit} (attributed ${stats(attributed)})`;
      })
      .join('; ');
    const cells = columns.map(([, metric]) => stats(figure(group.runtime, group.workload, metric)));
    return cells.every((text) => text === formatStats(undefined)) && !operations
      ? []
      : [[shown(result, group.runtime), group.workload, ...cells, cell(operations || 'n/a')]];
  });
  const cpu = [
    ...new Set(
      result.trials.flatMap((trial) =>
        trial.state === 'completed' && trial.energy
          ? [`${shown(result, trial.runtime)}: ${trial.energy.trialCpu}`]
          : [],
      ),
    ),
  ];
  return [
    "## Energy (the host's counters)",
    '',
    intervalLegend,
    `"Above idle": what the whole host drew while the interval ran, less the run's idle draw over the same time. "Attributed": the trial's share of that by its CPU time against the host's busy CPU time over the same interval. Boot: spawn → READY; workload: READY → the guest's exit; per operation: the workload's watts ÷ its operations per second. See the README, "What energy figures mean".`,
    `The trial's CPU time counts: ${cpu.join(', ') || 'n/a'} (cgroup+shim: Docker's containerd-shim beside the trial's group).`,
    '',
    ...markdownTable(['runtime', 'workload', ...columns.map(([label]) => label), 'per operation'], rows),
  ];
}
