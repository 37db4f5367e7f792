import { parseProcIo, parseProcStat, parseProcStatus, parseSmapsRollup } from './proc.js';
import type { KernelFiles } from './kernel-files.js';
import { readOptional } from './read-cgroup.js';

/** Summed /proc figures over a set of processes; a field is undefined when no process gave it. */
export interface ProcReading {
  rssBytes?: number;
  pssBytes?: number;
  privateBytes?: number;
  /** Own user + system CPU. */
  cpuSeconds?: number;
  /** Own CPU plus that of reaped children: a guest's short-lived processes are counted once reaped. */
  cpuWithChildrenSeconds?: number;
  /** Block I/O (`/proc/PID/io` includes reaped children's). */
  ioReadBytes?: number;
  ioWriteBytes?: number;
}

function add(total: number | undefined, value: number | undefined): number | undefined {
  if (value === undefined) return total;
  return (total ?? 0) + value;
}

/**
 * Read and sum status, smaps_rollup (unless `smaps: false`), stat and io over the given pids,
 * through `files`. smaps_rollup walks every mapping of the process: the costliest file by far.
 */
export function readProcs(pids: readonly number[], tickSeconds: number, files: KernelFiles, options: { smaps: boolean } = { smaps: true }): ProcReading {
  const reading: ProcReading = {};
  for (const pid of pids) {
    const status = files.read(`/proc/${pid}/status`);
    const smaps = options.smaps ? files.read(`/proc/${pid}/smaps_rollup`) : undefined;
    const stat = files.read(`/proc/${pid}/stat`);
    const io = files.read(`/proc/${pid}/io`);
    const memory = status === undefined ? {} : parseProcStatus(status);
    const shared = smaps === undefined ? {} : parseSmapsRollup(smaps);
    const ticks = stat === undefined ? undefined : parseProcStat(stat);
    const ioValues = io === undefined ? {} : parseProcIo(io);
    reading.rssBytes = add(reading.rssBytes, memory.rssBytes);
    reading.pssBytes = add(reading.pssBytes, shared.pssBytes);
    reading.privateBytes = add(reading.privateBytes, shared.privateBytes);
    reading.cpuSeconds = add(reading.cpuSeconds, ticks ? (ticks.utimeTicks + ticks.stimeTicks) * tickSeconds : undefined);
    const children = ticks ? (ticks.cutimeTicks + ticks.cstimeTicks) * tickSeconds : undefined;
    reading.cpuWithChildrenSeconds = add(reading.cpuWithChildrenSeconds, ticks && children !== undefined ? (ticks.utimeTicks + ticks.stimeTicks) * tickSeconds + children : undefined);
    reading.ioReadBytes = add(reading.ioReadBytes, ioValues.readBytes);
    reading.ioWriteBytes = add(reading.ioWriteBytes, ioValues.writeBytes);
  }
  return reading;
}

/** Parent pid and command name of a process, or undefined when it is gone. */
export async function readParent(pid: number): Promise<{ ppid: number; comm: string } | undefined> {
  const stat = await readOptional(`/proc/${pid}/stat`);
  const parsed = stat === undefined ? undefined : parseProcStat(stat);
  return parsed ? { ppid: parsed.ppid, comm: parsed.comm } : undefined;
}
