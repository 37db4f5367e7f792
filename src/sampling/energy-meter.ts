import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { energyDeltaUj } from '../host/energy-counters.js';
import { procStatCpu } from '../host/host-load.js';
import type { IdleWindow } from '../results/types.js';

/** A counter the meter sums: its file (microjoules) and where it wraps to 0. */
export interface MeteredZone {
  id: string;
  path: string;
  maxEnergyRangeUj?: number;
}

/** What the host drew and how busy it was since the meter started. */
export interface EnergyReading {
  /** performance.now() of the reading. */
  atMs: number;
  /** Joules the metered zones advanced since the meter started; undefined once a counter could not be trusted. */
  joules: number | undefined;
  /** Busy CPU time of the whole host since the meter started, seconds (`/proc/stat`: user, nice, system, irq, softirq). */
  hostCpuSeconds: number | undefined;
  /** How many times a counter wrapped to 0 since the meter started. */
  wraps: number;
}

/**
 * Counters that have not moved for this long, all of them, are stalled: a host draws watts at rest and RAPL updates
 * about every millisecond. One zone alone may stay at 0 (a `dram` zone some boards expose without a meter behind it).
 */
const stallMs = 250;

/**
 * The host's busy CPU time, seconds, from the `cpu` line of /proc/stat: user + nice + system + irq + softirq. Idle
 * and iowait are not busy; steal is time the hypervisor ran something else; guest time is already in user.
 */
export function hostBusySeconds(stat: string, tickSeconds: number): number | undefined {
  const fields = procStatCpu(stat);
  if (!fields || fields.length < 7 || fields.some((value) => !Number.isFinite(value))) return undefined;
  const [user, nice, system, , , irq, softirq] = fields as [number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq) * tickSeconds;
}

/**
 * Reads the host's energy counters and busy CPU time together, synchronously (a reading is two or three small
 * sysfs and procfs files, tens of microseconds), and accumulates them from the first reading: each counter's
 * advance across at most one wrap between readings (`energyDeltaUj`; a RAPL package wraps after minutes, the
 * sampler reads it every second). A counter that goes backwards without a known range, fails to read, or stalls
 * makes every later reading's joules undefined, with the reason in `problem`: a figure built on it would be wrong.
 */
export class EnergyMeter {
  readonly #zones: readonly MeteredZone[];
  readonly #tickSeconds: number;
  readonly #statPath: string;
  readonly #last: { uj: number }[] = [];
  /** performance.now() of the last reading at which the zones' sum advanced. */
  #movedAtMs: number;
  readonly #startCpu: number | undefined;
  /** performance.now() of the first reading: what the meter counts from. */
  readonly startMs: number;
  #joules = 0;
  #wraps = 0;
  #problem: string | undefined;

  constructor(zones: readonly MeteredZone[], tickSeconds: number, statPath = '/proc/stat') {
    this.#zones = zones;
    this.#tickSeconds = tickSeconds;
    this.#statPath = statPath;
    this.#startCpu = this.#cpu();
    const atMs = performance.now();
    this.startMs = atMs;
    for (const zone of zones) {
      const uj = this.#counter(zone);
      if (uj === undefined) this.#problem ??= `reading ${zone.path} failed`;
      this.#last.push({ uj: uj ?? 0 });
    }
    this.#movedAtMs = atMs;
  }

  /** How many times a counter wrapped to 0 since the meter started. */
  get wraps(): number {
    return this.#wraps;
  }

  /** Why the joules are no longer trusted (a counter failed, went backwards, or stalled); undefined while they are. */
  get problem(): string | undefined {
    return this.#problem;
  }

  read(): EnergyReading {
    const cpu = this.#cpu();
    const atMs = performance.now();
    let advanced = 0;
    for (const [index, zone] of this.#zones.entries()) {
      const last = this.#last[index];
      const uj = this.#counter(zone);
      if (!last || this.#problem) break;
      if (uj === undefined) {
        this.#problem = `reading ${zone.path} failed`;
        break;
      }
      const delta = energyDeltaUj(last.uj, uj, zone.maxEnergyRangeUj);
      if (delta === undefined) {
        this.#problem = `the counter ${zone.id} went backwards with no known range (${last.uj} → ${uj} µJ)`;
        break;
      }
      if (uj < last.uj) this.#wraps++;
      advanced += delta;
      last.uj = uj;
    }
    if (!this.#problem && advanced > 0) this.#movedAtMs = atMs;
    else if (!this.#problem && atMs - this.#movedAtMs >= stallMs)
      this.#problem = `the energy counters (${this.#zones.map((zone) => zone.id).join(', ')}) stalled: they did not advance for ${Math.round(atMs - this.#movedAtMs)} ms`;
    if (!this.#problem) this.#joules += advanced / 1e6;
    return {
      atMs,
      joules: this.#problem ? undefined : this.#joules,
      hostCpuSeconds: cpu === undefined || this.#startCpu === undefined ? undefined : cpu - this.#startCpu,
      wraps: this.#wraps,
    };
  }

  #counter(zone: MeteredZone): number | undefined {
    try {
      // Its first line: a counter file holds one.
      const value = Number(readFileSync(zone.path, 'utf8').split('\n')[0]);
      return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    } catch {
      return undefined;
    }
  }

  #cpu(): number | undefined {
    try {
      return hostBusySeconds(readFileSync(this.#statPath, 'utf8'), this.#tickSeconds);
    } catch {
      return undefined;
    }
  }
}

/**
 * The host's draw with nothing of the run's running, over `ms`: one window of the run's idle baseline. Undefined
 * with the reason where the counters could not be trusted over it (the window is then left out, not guessed).
 */
export async function measureIdleWindow(
  zones: readonly MeteredZone[],
  tickSeconds: number,
  ms: number,
  signal: AbortSignal,
): Promise<{ window: IdleWindow } | { problem: string }> {
  const startedAt = new Date().toISOString();
  const meter = new EnergyMeter(zones, tickSeconds);
  await sleep(ms, undefined, { signal }).catch(() => undefined);
  const reading = meter.read();
  if (reading.joules === undefined || reading.hostCpuSeconds === undefined)
    return { problem: meter.problem ?? "the host's busy CPU time could not be read (/proc/stat)" };
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  return {
    window: {
      startedAt,
      seconds: round((reading.atMs - meter.startMs) / 1000),
      hostJoules: round(reading.joules),
      hostCpuSeconds: round(reading.hostCpuSeconds),
    },
  };
}
