import type { RuntimeName } from '../config/suite.js';
import { isTailFigure } from '../config/workload-manifest.js';
import { energyFigures, idleWatts, isEnergyFigure } from './energy.js';
import type { ResultFile } from './types.js';

/**
 * One figure of one runtime × workload: its value in each completed repetition, with what it is. Every report,
 * comparison and gate reads figures from here (`figuresOf`), so a figure one of them shows, the others can compare,
 * check and chart.
 */
export interface Figure {
  /** `runtime/workload/metric`, e.g. `qemu/cpu/events_per_s` or `docker/idle/boot.bootToReadyMs`. */
  key: string;
  runtime: RuntimeName;
  workload: string;
  /** The figure's own name: a workload metric (`events_per_s`), `boot.…`, or a sampled column's `<column>.<field>`. */
  metric: string;
  unit: string;
  source: string;
  direction: 'higher' | 'lower';
  /** A workload's key figure (see WorkloadMetric.keyFigure); absent for host figures and older files. */
  keyFigure?: boolean;
  /**
   * Whether it gates `bench check` in this result (`isGatingFigure`: key figures; boot and working set of the
   * resting workload); the others inform. Check decides over every run it compares, by the same rule.
   */
  gates?: boolean;
  /** A ratio between runtimes (src/report/ratios.ts): the runtime `runtime` was divided by. */
  reference?: RuntimeName;
  /** The values of the completed trials, in trial order, and the repetition each came from. */
  values: number[];
  reps: number[];
}

/** The trials of one runtime × workload, by state. */
interface FigureGroup {
  runtime: RuntimeName;
  workload: string;
  completed: number;
  errored: number;
  aborted: number;
}

/** Every figure of a result, computed once (`figuresOf`). */
export interface FigureModel {
  /** Workloads in the order the run ran them; within each, runtimes in the result's order (its `runtimes` record). */
  groups: FigureGroup[];
  /** Every figure, by key, in the order the trials first reported them. */
  all: Map<string, Figure>;
  /**
   * The figures reports show, which compare, check, history, fleet and calibrate read too: boot, its phases,
   * workload metrics, energy (src/results/energy.ts) and the sampled figures of `shownResources`. The others
   * (every sampled column's mean, last…) stay in the JSON export.
   */
  shown: Map<string, Figure>;
}

/** The sampled figures (`<column>.<field>`) reports show, and so compare, check, history and calibrate read. */
export const shownResources: readonly string[] = [
  'cgroup.memory_working_set_bytes.peak',
  'cgroup.memory_file_bytes.peak',
  // The kernel's own high-water mark beside the sampled peak: it does not depend on how often the sampler looks.
  'cgroup.memory_peak_bytes.peak',
  'guest.pss_bytes.peak',
  'shim.pss_bytes.peak',
  'cgroup.cpu_seconds.atReady',
  // The memory model (src/results/memory-model.ts): what the host pays, what the guest uses, the difference.
  'memory.host_pays_bytes.atReady',
  'memory.host_pays_bytes.atExit',
  'memory.host_pays_bytes.peak',
  'memory.guest_uses_bytes.atReady',
  'memory.guest_uses_bytes.atExit',
  'memory.overhead_bytes.atReady',
  'memory.overhead_bytes.atExit',
];

/** The fields of a sampled column's summary, in the order figures are made of them. */
const resourceFields = ['peak', 'mean', 'atReady', 'last', 'atExit'] as const;

const clockSource = { host: 'host.clock', guest: 'guest.clock', 'host-minus-guest': 'host-minus-guest.clock' } as const;

const models = new WeakMap<object, FigureModel>();

/**
 * Every figure of a result's completed trials, computed once per result object. Groups come in one order for every
 * report: workloads as the run met them, runtimes as the result lists them (not the shuffled order of a repetition).
 */
export function figuresOf(
  result: Pick<ResultFile, 'trials'> & Partial<Pick<ResultFile, 'runtimes' | 'energy'>>,
): FigureModel {
  const known = models.get(result);
  if (known) return known;
  const idle = idleWatts(result.energy);
  const groups = new Map<string, FigureGroup>();
  const all = new Map<string, Figure>();
  for (const trial of result.trials) {
    const groupKey = `${trial.runtime}\u0000${trial.workload}`;
    const group = groups.get(groupKey) ?? {
      runtime: trial.runtime,
      workload: trial.workload,
      completed: 0,
      errored: 0,
      aborted: 0,
    };
    groups.set(groupKey, group);
    group[trial.state] += 1;
    if (trial.state !== 'completed') continue;
    const add = (
      entry: Omit<Figure, 'key' | 'runtime' | 'workload' | 'values' | 'reps'>,
      value: number | undefined,
    ) => {
      if (value === undefined || !Number.isFinite(value)) return;
      const key = `${trial.runtime}/${trial.workload}/${entry.metric}`;
      const existing = all.get(key);
      if (existing) {
        existing.values.push(value);
        existing.reps.push(trial.rep);
      } else
        all.set(key, {
          key,
          runtime: trial.runtime,
          workload: trial.workload,
          ...entry,
          values: [value],
          reps: [trial.rep],
        });
    };
    const lower = 'lower' as const;
    add({ metric: 'boot.bootToReadyMs', unit: 'ms', source: 'host.clock', direction: lower }, trial.boot.bootToReadyMs);
    for (const phase of trial.boot.phases)
      add(
        { metric: `boot.phase.${phase.name}`, unit: 'ms', source: clockSource[phase.clock], direction: lower },
        phase.ms,
      );
    add(
      { metric: 'boot.guestUptimeAtReadyMs', unit: 'ms', source: 'guest.uptime', direction: lower },
      trial.boot.guestUptimeAtReadyMs,
    );
    for (const [name, figure] of Object.entries(trial.boot.runtimeFigures ?? {}))
      add({ metric: `boot.runtime.${name}`, unit: figure.unit, source: 'host.clock', direction: lower }, figure.value);
    for (const metric of trial.metrics)
      add(
        {
          metric: metric.name,
          unit: metric.unit,
          source: metric.source,
          direction: metric.direction,
          ...(metric.keyFigure === undefined ? {} : { keyFigure: metric.keyFigure }),
        },
        metric.value,
      );
    for (const [column, summary] of Object.entries(trial.resources))
      for (const field of resourceFields)
        add(
          { metric: `${column}.${field}`, unit: summary.unit, source: summary.source, direction: lower },
          summary[field],
        );
    for (const { value, ...figure } of energyFigures(trial.energy, trial.metrics, idle))
      add({ ...figure, direction: lower }, value);
  }
  const hostFiguresFrom = hostFiguresWorkload(all.values());
  for (const figure of all.values()) figure.gates = isGatingFigure(figure, hostFiguresFrom);
  const shownNames = new Set(shownResources);
  const shown = new Map([...all].filter(([, figure]) => !isResourceFigure(figure) || shownNames.has(figure.metric)));
  const runtimeOrder = [...new Set([...Object.keys(result.runtimes ?? {}), ...result.trials.map((t) => t.runtime)])];
  const workloadOrder = [...new Set(result.trials.map((trial) => trial.workload))];
  const rank = (group: FigureGroup) =>
    workloadOrder.indexOf(group.workload) * runtimeOrder.length + runtimeOrder.indexOf(group.runtime);
  const model = { groups: [...groups.values()].sort((a, b) => rank(a) - rank(b)), all, shown };
  models.set(result, model);
  return model;
}

/** A sampled figure (`<column>.<field>`): host-side, not the workload's own (nor boot, nor energy). */
export function isResourceFigure(figure: Pick<Figure, 'metric'>): boolean {
  return figure.metric.includes('.') && !figure.metric.startsWith('boot.') && !isEnergyFigure(figure);
}

/** A workload's own metric (`events_per_s`), neither boot nor sampled. */
export function isWorkloadMetric(figure: Pick<Figure, 'metric'>): boolean {
  return !figure.metric.includes('.');
}

/**
 * The workloads that report no figure of their own (the idle one): where boot and memory stand for the runtime
 * itself rather than for a workload's demands. By name.
 */
export function restingWorkloads(figures: Iterable<Pick<Figure, 'workload' | 'metric'>>): string[] {
  const all = [...figures];
  const busy = new Set(all.filter(isWorkloadMetric).map((figure) => figure.workload));
  return [...new Set(all.map((figure) => figure.workload))].filter((workload) => !busy.has(workload)).sort();
}

/**
 * Which figures gate: each workload's key figures, and boot time and working set in one workload
 * (`hostFiguresFrom`, the idle one when the run has it): boot measured again in every workload is the
 * same figure, and each extra member of the family makes the correction stricter. Everything else
 * informs. Files from before key figures: every workload figure but its tails.
 */
export function isGatingFigure(
  figure: Pick<Figure, 'metric' | 'workload' | 'keyFigure'>,
  hostFiguresFrom: string,
): boolean {
  if (figure.metric === 'boot.bootToReadyMs' || figure.metric === 'cgroup.memory_working_set_bytes.peak')
    return figure.workload === hostFiguresFrom;
  if (figure.metric.includes('.')) return false;
  return figure.keyFigure ?? !isTailFigure(figure.metric);
}

/**
 * The workload whose boot and working set gate: the first one that reports no figure of its own (the idle one),
 * else the first one by name.
 */
export function hostFiguresWorkload(samples: Iterable<Pick<Figure, 'workload' | 'metric'>>): string {
  const all = [...samples];
  return restingWorkloads(all)[0] ?? [...new Set(all.map((entry) => entry.workload))].sort()[0] ?? 'idle';
}
