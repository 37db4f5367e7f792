import type { SampledSeries } from '../sampling/series.js';
import { median } from './stats.js';
import type { EnergyInterval, RunEnergy, TrialEnergy, WorkloadMetricValue } from './types.js';

/**
 * A trial's energy intervals from its series: the host's joules and busy CPU time are cumulative from the trial's
 * spawn (the meter starts there), the trial's CPU time from its cgroup (new at spawn) plus Docker's shim beside it.
 * Boot is spawn → the `ready` row, the workload the `ready` row → the `exit` row (`end` without one).
 */
export function trialEnergyFrom(
  series: SampledSeries,
  meter: { wraps: number; problem: string | undefined },
): TrialEnergy {
  const column = (name: string) => series.columns[name]?.values ?? [];
  const shimOutside = series.columns['shim.cpu_seconds'] !== undefined && !series.shimInCgroup;
  const at = (row: number | undefined) => {
    if (row === undefined) return undefined;
    const joules = column('host.energy_joules')[row];
    const hostCpu = column('host.cpu_busy_seconds')[row];
    const cgroupCpu = column('cgroup.cpu_seconds')[row];
    const shimCpu = shimOutside ? column('shim.cpu_seconds')[row] : 0;
    const seconds = series.tMs[row];
    if ([joules, hostCpu, cgroupCpu, shimCpu, seconds].some((value) => value === null || value === undefined))
      return undefined;
    return {
      seconds: (seconds as number) / 1000,
      hostJoules: joules as number,
      hostCpuSeconds: hostCpu as number,
      trialCpuSeconds: (cgroupCpu as number) + (shimCpu as number),
    };
  };
  const row = (label: string) => series.events.find((event) => event.label === label)?.row;
  const spawn = { seconds: 0, hostJoules: 0, hostCpuSeconds: 0, trialCpuSeconds: 0 };
  const ready = at(row('ready'));
  const exit = at(row('exit') ?? row('end'));
  const boot = ready && between(spawn, ready);
  const workload = ready && exit && between(ready, exit);
  const missing =
    meter.problem ??
    (ready
      ? exit
        ? undefined
        : "no reading at the guest's exit"
      : 'no reading at READY (the guest never became ready?)');
  return {
    ...(boot ? { boot } : {}),
    ...(workload ? { workload } : {}),
    trialCpu: shimOutside ? 'cgroup+shim' : 'cgroup',
    counterWraps: meter.wraps,
    ...(missing ? { missingReason: missing } : {}),
  };
}

function between(from: EnergyInterval, to: EnergyInterval): EnergyInterval {
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  return {
    seconds: round(to.seconds - from.seconds),
    hostJoules: round(to.hostJoules - from.hostJoules),
    hostCpuSeconds: round(to.hostCpuSeconds - from.hostCpuSeconds),
    trialCpuSeconds: round(to.trialCpuSeconds - from.trialCpuSeconds),
  };
}

/** The host's idle draw in this run, watts: the median of its idle windows; undefined without one. */
export function idleWatts(energy: RunEnergy | undefined): number | undefined {
  const watts = (energy?.idle ?? []).filter((window) => window.seconds > 0).map((w) => w.hostJoules / w.seconds);
  return watts.length ? median(watts) : undefined;
}

/**
 * What one interval cost the host: `marginal`, what the host drew above its idle draw while the interval ran;
 * `attributed`, the trial's share of that active energy by its CPU time against the host's busy CPU time over the
 * same interval (the rule Kepler and Scaphandre document). The share is at most 1; with no busy CPU time it is 0.
 * Either can be slightly negative where the interval drew within the idle draw's noise: kept, not clipped, so that
 * a median over repetitions stays unbiased.
 */
export function attribute(interval: EnergyInterval, idle: number): { marginal: number; attributed: number } {
  const marginal = interval.hostJoules - idle * interval.seconds;
  const share = interval.hostCpuSeconds > 0 ? Math.min(1, interval.trialCpuSeconds / interval.hostCpuSeconds) : 0;
  return { marginal, attributed: share * marginal };
}

/** An energy figure of one trial, before the model names its group. */
export interface EnergyFigure {
  metric: string;
  unit: string;
  source: string;
  value: number;
}

/** `events/s` → `event`, `IOPS` → `I/O`, `MiB/s` → GiB (×1024): what one operation of a throughput figure is. */
function operationOf(unit: string): { unit: string; per: number } | undefined {
  if (unit === 'IOPS') return { unit: 'I/O', per: 1 };
  if (unit === 'MiB/s') return { unit: 'GiB', per: 1024 };
  const match = /^([A-Za-z]+?)s?\/s$/.exec(unit);
  return match ? { unit: match[1] as string, per: 1 } : undefined;
}

/**
 * A completed trial's energy figures, with the run's idle draw: joules per boot, watts over the workload (for the
 * resting workload: what an idle guest costs), and joules per operation of each throughput figure (watts over the
 * workload ÷ the operations per second it measured), each marginal and attributed.
 */
export function energyFigures(
  energy: TrialEnergy | undefined,
  metrics: readonly WorkloadMetricValue[],
  idle: number | undefined,
): EnergyFigure[] {
  if (!energy || idle === undefined) return [];
  const figures: EnergyFigure[] = [];
  if (energy.boot) {
    const { marginal, attributed } = attribute(energy.boot, idle);
    figures.push(
      { metric: 'energy.boot.joules', unit: 'J', source: 'host.energy.marginal', value: marginal },
      { metric: 'energy.boot.attributedJoules', unit: 'J', source: 'host.energy.attributed', value: attributed },
    );
  }
  const workload = energy.workload;
  if (workload && workload.seconds > 0) {
    const { marginal, attributed } = attribute(workload, idle);
    const [watts, attributedWatts] = [marginal / workload.seconds, attributed / workload.seconds];
    figures.push(
      { metric: 'energy.workload.watts', unit: 'W', source: 'host.energy.marginal', value: watts },
      {
        metric: 'energy.workload.attributedWatts',
        unit: 'W',
        source: 'host.energy.attributed',
        value: attributedWatts,
      },
    );
    for (const metric of metrics) {
      const operation = operationOf(metric.unit);
      if (!operation || metric.direction !== 'higher' || !(metric.value > 0)) continue;
      const unit = `J/${operation.unit}`;
      const per = (power: number) => (power / metric.value) * operation.per;
      figures.push(
        {
          metric: `energy.perOperation.${metric.name}`,
          unit,
          source: `host.energy.marginal.per.${metric.source}`,
          value: per(watts),
        },
        {
          metric: `energy.perOperation.${metric.name}.attributed`,
          unit,
          source: `host.energy.attributed.per.${metric.source}`,
          value: per(attributedWatts),
        },
      );
    }
  }
  return figures;
}

/** An energy figure (`energy.…`): the host's counters, informative in check. */
export function isEnergyFigure(figure: { metric: string }): boolean {
  return figure.metric.startsWith('energy.');
}
