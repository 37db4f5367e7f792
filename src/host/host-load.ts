import { readFile } from 'node:fs/promises';
import type { HostLoad } from '../results/types.js';

/** The host's load at one moment: 1-minute load average and cumulative steal ticks (all CPUs). */
export interface LoadSnapshot {
  load1: number;
  stealTicks?: number;
}

/** The figures of /proc/stat's `cpu` line (all CPUs, in clock ticks: user, nice, system, idle, iowait, irq…). */
export function procStatCpu(stat: string): number[] | undefined {
  return /^cpu\s+(.*)$/m.exec(stat)?.[1]?.trim().split(/\s+/).map(Number);
}

/** Parse /proc/loadavg and the `cpu` line of /proc/stat (steal is its 8th figure). */
export function parseLoadSnapshot(loadavg: string, stat: string): LoadSnapshot | undefined {
  const load1 = Number(loadavg.split(/\s+/)[0]);
  if (!Number.isFinite(load1)) return undefined;
  const cpu = procStatCpu(stat);
  const steal = cpu?.[7];
  return { load1, ...(steal !== undefined && Number.isFinite(steal) ? { stealTicks: steal } : {}) };
}

/** Read the host's load now; undefined where /proc does not say. */
export async function readLoadSnapshot(): Promise<LoadSnapshot | undefined> {
  try {
    const [loadavg, stat] = await Promise.all([readFile('/proc/loadavg', 'utf8'), readFile('/proc/stat', 'utf8')]);
    return parseLoadSnapshot(loadavg, stat);
  } catch {
    return undefined;
  }
}

/** The load around a trial, from snapshots before and after it. */
export function hostLoadBetween(
  before: LoadSnapshot | undefined,
  after: LoadSnapshot | undefined,
  tickSeconds: number,
): HostLoad | undefined {
  if (!before || !after) return undefined;
  const steal =
    before.stealTicks !== undefined && after.stealTicks !== undefined
      ? (after.stealTicks - before.stealTicks) * tickSeconds
      : undefined;
  return {
    loadBefore: before.load1,
    loadAfter: after.load1,
    ...(steal === undefined ? {} : { stealSeconds: Math.round(steal * 100) / 100 }),
  };
}
