import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../paths.js';
import { toolVersion } from '../version.js';
import { describeEnergyCounters, readEnergyCounters, type EnergyCounters } from './energy-counters.js';

/**
 * Host settings that change what a figure means, beyond the hardware (`host.cpu`): read once per run
 * and compared by `compare` and `check`. Each field is absent when this host does not expose it.
 */
export interface HostFingerprint {
  /** cpufreq governor of CPU 0 (`performance`, `powersave`, `schedutil`…). */
  governor?: string;
  /** Frequency boost (Intel turbo, AMD boost): `on` or `off`. */
  boost?: 'on' | 'off';
  /** Simultaneous multithreading control (`on`, `off`, `forceoff`, `notsupported`). */
  smt?: string;
  /** Transparent huge pages: the selected mode (`always`, `madvise`, `never`). */
  thp?: string;
  /** Swap configured on the host, bytes. */
  swapBytes?: number;
  /** CPU vulnerability mitigations, name → the kernel's one-line status. */
  mitigations?: Record<string, string>;
  /** Kernel command line. */
  cmdline?: string;
  /** The host's energy counters (RAPL zones, amd_energy channels) and whether they can be read, or why there are none. */
  energyCounters?: EnergyCounters;
  /** Versions of what runs the guests, and of twinbench itself (with its git commit when run from a checkout). */
  versions: { twinbench: string; node: string; gitCommit?: string; containerd?: string; runc?: string };
}

async function readTrimmed(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** `always [madvise] never` → `madvise`. */
export function selectedMode(text: string | undefined): string | undefined {
  return text === undefined ? undefined : (/\[([^\]]+)\]/.exec(text)?.[1] ?? text);
}

/** Boost from intel_pstate's `no_turbo` (1 = off) or the generic cpufreq `boost` (1 = on). */
export function boostState(noTurbo: string | undefined, boost: string | undefined): 'on' | 'off' | undefined {
  if (noTurbo === '0' || noTurbo === '1') return noTurbo === '1' ? 'off' : 'on';
  if (boost === '0' || boost === '1') return boost === '1' ? 'on' : 'off';
  return undefined;
}

async function firstLineOf(command: string, args: string[]): Promise<string | undefined> {
  const run = await execa(command, args, { reject: false, timeout: 5000 });
  return run.exitCode === 0 ? run.stdout.split('\n')[0]?.trim() || undefined : undefined;
}

async function readMitigations(): Promise<Record<string, string> | undefined> {
  const dir = '/sys/devices/system/cpu/vulnerabilities';
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries = await Promise.all(
    names.sort().map(async (name) => [name, await readTrimmed(join(dir, name))] as const),
  );
  const known = entries.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  return known.length ? Object.fromEntries(known) : undefined;
}

/** Read the host's fingerprint. */
export async function readHostFingerprint(): Promise<HostFingerprint> {
  const cpu = '/sys/devices/system/cpu';
  const [
    governor,
    noTurbo,
    boost,
    smt,
    thp,
    meminfo,
    mitigations,
    cmdline,
    gitCommit,
    containerd,
    runc,
    energyCounters,
  ] = await Promise.all([
    readTrimmed(`${cpu}/cpu0/cpufreq/scaling_governor`),
    readTrimmed(`${cpu}/intel_pstate/no_turbo`),
    readTrimmed(`${cpu}/cpufreq/boost`),
    readTrimmed(`${cpu}/smt/control`),
    readTrimmed('/sys/kernel/mm/transparent_hugepage/enabled'),
    readTrimmed('/proc/meminfo'),
    readMitigations(),
    readTrimmed('/proc/cmdline'),
    firstLineOf('git', ['-C', packageRoot, 'rev-parse', 'HEAD']),
    firstLineOf('containerd', ['--version']),
    firstLineOf('runc', ['--version']),
    readEnergyCounters(),
  ]);
  const swapKiB = /^SwapTotal:\s+(\d+) kB$/m.exec(meminfo ?? '')?.[1];
  const boostNow = boostState(noTurbo, boost);
  const thpMode = selectedMode(thp);
  return {
    ...(governor ? { governor } : {}),
    ...(boostNow ? { boost: boostNow } : {}),
    ...(smt ? { smt } : {}),
    ...(thpMode ? { thp: thpMode } : {}),
    ...(swapKiB === undefined ? {} : { swapBytes: Number(swapKiB) * 1024 }),
    ...(mitigations ? { mitigations } : {}),
    ...(cmdline ? { cmdline } : {}),
    energyCounters,
    versions: {
      twinbench: toolVersion,
      node: process.version,
      ...(gitCommit ? { gitCommit } : {}),
      ...(containerd ? { containerd } : {}),
      ...(runc ? { runc } : {}),
    },
  };
}

/**
 * The fingerprint as flat `name → value` pairs for comparison tables; mitigations are summarised as
 * how many are mitigated vs vulnerable, their full text stays in the file.
 */
export function fingerprintDimensions(fingerprint: HostFingerprint | undefined): Record<string, string> {
  if (!fingerprint) return {};
  const mitigations = Object.values(fingerprint.mitigations ?? {});
  return {
    'CPU governor': fingerprint.governor ?? 'not exposed',
    boost: fingerprint.boost ?? 'not exposed',
    SMT: fingerprint.smt ?? 'not exposed',
    THP: fingerprint.thp ?? 'not exposed',
    swap:
      fingerprint.swapBytes === undefined
        ? 'unknown'
        : fingerprint.swapBytes === 0
          ? 'none'
          : `${(fingerprint.swapBytes / 2 ** 30).toFixed(1)} GiB`,
    mitigations: mitigations.length
      ? `${mitigations.filter((m) => /^Vulnerable/.test(m)).length} vulnerable of ${mitigations.length}`
      : 'not exposed',
    'kernel cmdline': fingerprint.cmdline ?? 'unknown',
    'energy counters': describeEnergyCounters(fingerprint.energyCounters),
    runc: fingerprint.versions.runc ?? 'n/a',
    containerd: fingerprint.versions.containerd ?? 'n/a',
    twinbench: `${fingerprint.versions.twinbench}${fingerprint.versions.gitCommit ? ` (${fingerprint.versions.gitCommit.slice(0, 12)})` : ''}`,
  };
}
