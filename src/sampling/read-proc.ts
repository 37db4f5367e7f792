import { readFileSync } from 'node:fs';
import { pageSizeBytes, parseProcIo, parseProcStat, parseProcStatm, parseSmapsRollup } from './proc.js';
import type { KernelFiles } from './kernel-files.js';
import { readOptional } from './read-cgroup.js';

/** Summed /proc figures over a set of processes; a field is undefined when no process gave it. */
export interface ProcReading {
  rssBytes?: number;
  pssBytes?: number;
  privateBytes?: number;
  /** Anonymous memory mapped by transparent huge pages (smaps_rollup's AnonHugePages). */
  anonHugeBytes?: number;
  /** Own user + system CPU. */
  cpuSeconds?: number;
  /** Own CPU plus that of reaped children: a guest's short-lived processes are counted once reaped. */
  cpuWithChildrenSeconds?: number;
  /** Block I/O (`/proc/PID/io` includes reaped children's). */
  ioReadBytes?: number;
  ioWriteBytes?: number;
}

let pageBytes: number | undefined;
function pageSize(): number {
  if (pageBytes === undefined) {
    try {
      pageBytes = pageSizeBytes(readFileSync('/proc/self/auxv'));
    } catch {
      pageBytes = 4096;
    }
  }
  return pageBytes;
}

function add(total: number | undefined, value: number | undefined): number | undefined {
  if (value === undefined) return total;
  return (total ?? 0) + value;
}

/**
 * Read and sum statm, smaps_rollup (unless `smaps: false`), stat and io over the given pids,
 * through `files`. smaps_rollup walks every mapping of the process: the costliest file by far.
 */
export function readProcs(
  pids: readonly number[],
  tickSeconds: number,
  files: KernelFiles,
  options: { smaps: boolean } = { smaps: true },
): ProcReading {
  const reading: ProcReading = {};
  for (const pid of pids) {
    const statm = files.read(`/proc/${pid}/statm`);
    const smaps = options.smaps ? files.read(`/proc/${pid}/smaps_rollup`) : undefined;
    const stat = files.read(`/proc/${pid}/stat`);
    const io = files.read(`/proc/${pid}/io`);
    const rssBytes = statm === undefined ? undefined : parseProcStatm(statm, pageSize());
    const shared = smaps === undefined ? {} : parseSmapsRollup(smaps);
    const ticks = stat === undefined ? undefined : parseProcStat(stat);
    const ioValues = io === undefined ? {} : parseProcIo(io);
    reading.rssBytes = add(reading.rssBytes, rssBytes);
    reading.pssBytes = add(reading.pssBytes, shared.pssBytes);
    reading.privateBytes = add(reading.privateBytes, shared.privateBytes);
    reading.anonHugeBytes = add(reading.anonHugeBytes, shared.anonHugeBytes);
    reading.cpuSeconds = add(
      reading.cpuSeconds,
      ticks ? (ticks.utimeTicks + ticks.stimeTicks) * tickSeconds : undefined,
    );
    const children = ticks ? (ticks.cutimeTicks + ticks.cstimeTicks) * tickSeconds : undefined;
    reading.cpuWithChildrenSeconds = add(
      reading.cpuWithChildrenSeconds,
      ticks && children !== undefined ? (ticks.utimeTicks + ticks.stimeTicks) * tickSeconds + children : undefined,
    );
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
