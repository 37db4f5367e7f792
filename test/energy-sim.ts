/**
 * A simulated RAPL package for tests on hosts without energy counters (this project's CI runs inside a VM): a
 * powercap tree (`<root>/powercap/intel-rapl:0/{name,max_energy_range_uj,energy_uj}`, `<root>/hwmon/` empty) laid
 * out as the kernel's, whose `energy_uj` is a named pipe this process answers on every open with the energy of a
 * known power model at that instant:
 *
 *   energy(t) = start + idleWatts × (t − t0) + wattsPerCpu × (busy(t) − busy(t0))   (µJ, modulo the range)
 *
 * where busy is the host's busy CPU time from /proc/stat, read as twinbench reads it. Computed when read, not
 * written on a timer, so a reading is exact to the instant (no update-period error): what a test compares
 * against, within 1 %. It wraps at `--rangeJ` and can stall (hold its value) after `--stallAfterReads` answers
 * for `--stallForMs`. Pointed at by `TWINBENCH_ENERGY_SYSFS=<root>`. It runs at a real-time priority where it
 * may (root): a reading is served the moment it is asked, also on a loaded host.
 *
 * node dist/test/energy-sim.js ROOT --idleWatts 20 --wattsPerCpu 5 --rangeJ 100 --startJ 95
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { hostBusySeconds } from '../src/sampling/energy-meter.js';
import { readClockTicks } from '../src/host/clock-ticks.js';

export interface SimulatedPower {
  idleWatts: number;
  wattsPerCpu: number;
  /** Where the counter wraps, joules. */
  rangeJ: number;
  /** The counter's value when the simulation starts, joules (near the range: it wraps soon). */
  startJ: number;
  /**
   * Hold the counter still once it has answered this many opens, for `stallForMs`. Counted in time, not in answers:
   * a reader descheduled on a loaded host is answered more than once (it ignores the extra lines).
   */
  stallAfterReads?: number;
  stallForMs?: number;
}

/** The energy the model says the host drew over an interval of `seconds` with `busyCpuSeconds` of busy CPU. */
export function simulatedJoules(power: SimulatedPower, seconds: number, busyCpuSeconds: number): number {
  return power.idleWatts * seconds + power.wattsPerCpu * busyCpuSeconds;
}

/** Start the simulation in a child process; resolves once its tree is in place. */
export async function startEnergySim(
  root: string,
  power: SimulatedPower,
): Promise<{ root: string; stop: () => void; child: ChildProcess }> {
  const script = fileURLToPath(import.meta.url);
  const args = [script, root, ...Object.entries(power).flatMap(([key, value]) => [`--${key}`, String(value)])];
  // Real-time (SCHED_FIFO) where allowed: woken by a reader's open, it answers before the load on the host runs.
  const realtime = process.getuid?.() === 0 && existsSync('/usr/bin/chrt');
  const child = realtime
    ? spawn('/usr/bin/chrt', ['-f', '10', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the energy simulation exited (${code}) before it was ready`)));
    child.stdout?.once('data', () => resolve());
  });
  return { root, child, stop: () => void child.kill('SIGKILL') };
}

async function serve(root: string, power: SimulatedPower): Promise<never> {
  const zone = join(root, 'powercap', 'intel-rapl:0');
  mkdirSync(zone, { recursive: true });
  mkdirSync(join(root, 'hwmon'), { recursive: true });
  writeFileSync(join(zone, 'name'), 'package-0\n');
  const rangeUj = Math.round(power.rangeJ * 1e6);
  writeFileSync(join(zone, 'max_energy_range_uj'), `${rangeUj}\n`);
  const fifo = join(zone, 'energy_uj');
  execFileSync('mkfifo', [fifo]);
  const tick = 1 / (await readClockTicks());
  const busy = () => hostBusySeconds(readFileSync('/proc/stat', 'utf8'), tick) ?? 0;
  const [t0, busy0] = [performance.now(), busy()];
  let last = 0;
  let reads = 0;
  let stalledAt: number | undefined;
  const energyAt = (): number => {
    const now = performance.now();
    const seconds = (now - t0) / 1000;
    const { stallAfterReads, stallForMs } = power;
    reads++;
    if (stallAfterReads !== undefined && reads > stallAfterReads) stalledAt ??= now;
    // Stalled: the counter holds the value it last had; afterwards it goes on from the model (and jumps).
    if (stalledAt !== undefined && stallForMs !== undefined && now - stalledAt < stallForMs) return last;
    const joules = power.startJ + simulatedJoules(power, seconds, busy() - busy0);
    last = Math.round((joules * 1e6) % rangeUj);
    return last;
  };
  process.stdout.write('ready\n');
  for (;;) {
    // Blocks until a reader opens the pipe: the value is computed at that instant.
    const fd = openSync(fifo, 'w');
    try {
      writeSync(fd, `${energyAt()}\n`);
    } catch {
      // The reader went away first: the next open serves the next one.
    }
    closeSync(fd);
    // A reader gets EOF only once no writer holds the pipe: a pause before the next open lets it see the end
    // (a reader descheduled longer gets a second line, which twinbench ignores: it reads a counter's first line).
    Atomics.wait(pause, 0, 0, 1);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root, ...rest] = process.argv.slice(2);
  const options: Record<string, number> = {};
  for (let i = 0; i < rest.length; i += 2) options[(rest[i] ?? '').replace(/^--/, '')] = Number(rest[i + 1]);
  void serve(root as string, options as unknown as SimulatedPower);
}
