import { pickColonKeyed } from './parse-common.js';

/** Fields of /proc/PID/stat the sampler uses. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  /** The state letter: R running, S sleeping, D waiting on I/O, Z zombie… */
  readonly state: string;
  readonly ppid: number;
  /** User and system CPU in clock ticks (USER_HZ). */
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  /** User and system CPU of children it waited for (reaped), in clock ticks. */
  readonly cutimeTicks: number;
  readonly cstimeTicks: number;
  /** Start time after boot, in clock ticks. */
  readonly startTicks: number;
}

/** Parse /proc/PID/stat; `comm` may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime/stime are fields 14/15, cutime/cstime 16/17, starttime 22.
  const field = (n: number): number => Number(rest[n - 3]);
  const pid = Number(text.slice(0, open).trim());
  const values = {
    ppid: field(4),
    utimeTicks: field(14),
    stimeTicks: field(15),
    cutimeTicks: field(16),
    cstimeTicks: field(17),
    startTicks: field(22),
  };
  if (!Number.isFinite(pid) || Object.values(values).some((value) => !Number.isFinite(value))) return undefined;
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? '', ...values };
}

/** Memory of one process from /proc/PID/status and /proc/PID/smaps_rollup, in bytes. */
export interface ProcMemory {
  rssBytes?: number;
  peakRssBytes?: number;
  pssBytes?: number;
  privateBytes?: number;
  anonHugeBytes?: number;
}

/**
 * Resident memory from /proc/PID/statm (its second field, in pages): the same figure as status's VmRSS
 * (RssAnon + RssFile + RssShmem), from a file the kernel formats in ~5 µs instead of ~20.
 */
export function parseProcStatm(text: string, pageBytes: number): number | undefined {
  const resident = text.trim().split(/\s+/)[1];
  if (resident === undefined || !/^\d+$/.test(resident)) return undefined;
  return Number(resident) * pageBytes;
}

/** The kernel's page size, from this process's auxiliary vector (AT_PAGESZ); 4096 where it cannot be read. */
export function pageSizeBytes(auxv: Buffer): number {
  // 64-bit hosts (the only ones twinbench supports): pairs of 8-byte little-endian type and value.
  for (let at = 0; at + 16 <= auxv.length; at += 16) {
    const type = auxv.readBigUInt64LE(at);
    if (type === 0n) break;
    if (type === 6n) return Number(auxv.readBigUInt64LE(at + 8));
  }
  return 4096;
}

/** Parse /proc/PID/status for VmRSS and VmHWM. */
export function parseProcStatus(text: string): Pick<ProcMemory, 'rssBytes' | 'peakRssBytes'> {
  const values = pickColonKeyed(text, ['VmRSS', 'VmHWM']);
  return { rssBytes: values.get('VmRSS'), peakRssBytes: values.get('VmHWM') };
}

/**
 * Parse /proc/PID/smaps_rollup for PSS, private (clean + dirty) memory and the anonymous memory mapped by
 * transparent huge pages (AnonHugePages: a VM's RAM is backed by them when QEMU's madvise and the host's
 * THP setting allow it, which is what moves its random-access figures).
 */
export function parseSmapsRollup(text: string): Pick<ProcMemory, 'pssBytes' | 'privateBytes' | 'anonHugeBytes'> {
  const values = pickColonKeyed(text, ['Pss', 'Private_Clean', 'Private_Dirty', 'AnonHugePages']);
  const clean = values.get('Private_Clean');
  const dirty = values.get('Private_Dirty');
  return {
    pssBytes: values.get('Pss'),
    privateBytes: clean === undefined || dirty === undefined ? undefined : clean + dirty,
    anonHugeBytes: values.get('AnonHugePages'),
  };
}

/** Storage I/O of one process from /proc/PID/io. */
export interface ProcIo {
  readBytes?: number;
  writeBytes?: number;
}

/** Parse /proc/PID/io (`read_bytes`/`write_bytes`: what reached the block layer). */
export function parseProcIo(text: string): ProcIo {
  const values = pickColonKeyed(text, ['read_bytes', 'write_bytes']);
  return { readBytes: values.get('read_bytes'), writeBytes: values.get('write_bytes') };
}
