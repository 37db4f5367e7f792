import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One energy counter of the host: a powercap RAPL zone (package, core, uncore, dram, psys) or an hwmon channel. */
interface EnergyZone {
  /** `intel-rapl:0`, `intel-rapl:0:1`, `amd_energy/energy1` */
  id: string;
  /** What it measures, as the kernel names it (`package-0`, `core`, `dram`, `Esocket0`). */
  name: string;
  /** Where its counter wraps to 0, microjoules (powercap `max_energy_range_uj`); absent where the driver gives none. */
  maxEnergyRangeUj?: number;
  /** Whether this process can read the counter (`energy_uj` is root-only since Linux 5.10). */
  readable: boolean;
  /** The file its counter is read from, microjoules (absent in files from before energy figures). */
  path?: string;
}

/** The host's energy counters, or why there are none: what every energy figure of a run rests on. */
export interface EnergyCounters {
  zones: EnergyZone[];
  /** Why no energy can be measured here (no zones, none readable); absent when some zone is readable. */
  missingReason?: string;
  /**
   * Where they were read when not the kernel's own `/sys` (`TWINBENCH_ENERGY_SYSFS`: a test's simulated counters).
   * Reports say so beside every energy figure: such figures measure the simulation, not the host.
   */
  simulatedRoot?: string;
}

/** Where the kernel exposes them; tests point these at a recorded or simulated tree. */
export interface EnergyRoots {
  powercap: string;
  hwmon: string;
  cpuinfo: string;
}

const kernelRoots: EnergyRoots = {
  powercap: '/sys/class/powercap',
  hwmon: '/sys/class/hwmon',
  cpuinfo: '/proc/cpuinfo',
};

/**
 * The kernel's counters, or a simulated tree laid out the same way (`$TWINBENCH_ENERGY_SYSFS/powercap`,
 * `…/hwmon`): how the tests drive `bench all` on energy figures of a known power, on a host without RAPL.
 */
function defaultRoots(): EnergyRoots & { simulatedRoot?: string } {
  const simulated = process.env.TWINBENCH_ENERGY_SYSFS;
  if (!simulated) return kernelRoots;
  return {
    powercap: join(simulated, 'powercap'),
    hwmon: join(simulated, 'hwmon'),
    cpuinfo: kernelRoots.cpuinfo,
    simulatedRoot: simulated,
  };
}

async function text(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').then(
    (value) => value.trim(),
    () => undefined,
  );
}

/**
 * How much a counter advanced from `before` to `after`, microjoules, across at most one wrap at `maxRangeUj`
 * (a RAPL counter is 32 bits of energy units: it wraps every few minutes on a busy package). Undefined where it
 * went backwards with no known range: such a reading cannot be trusted.
 */
export function energyDeltaUj(before: number, after: number, maxRangeUj: number | undefined): number | undefined {
  if (after >= before) return after - before;
  return maxRangeUj === undefined ? undefined : maxRangeUj - before + after;
}

/**
 * The host's energy counters: powercap's RAPL zones (Intel, and AMD Zen on recent kernels) and the `amd_energy`
 * hwmon driver's channels; with the reason there are none, said the way `bench doctor` and the report say it.
 */
export async function readEnergyCounters(
  roots: EnergyRoots & { simulatedRoot?: string } = defaultRoots(),
): Promise<EnergyCounters> {
  const simulated = roots.simulatedRoot ? { simulatedRoot: roots.simulatedRoot } : {};
  const zones: EnergyZone[] = [];
  const powercap = await readdir(roots.powercap).catch(() => undefined);
  for (const id of (powercap ?? []).filter((entry) => /^intel-rapl(-mmio)?:[0-9:]+$/.test(entry)).sort()) {
    const dir = join(roots.powercap, id);
    const range = Number(await text(join(dir, 'max_energy_range_uj')));
    zones.push({
      id,
      name: (await text(join(dir, 'name'))) ?? id,
      ...(Number.isFinite(range) && range > 0 ? { maxEnergyRangeUj: range } : {}),
      readable: isCount(await text(join(dir, 'energy_uj'))),
      path: join(dir, 'energy_uj'),
    });
  }
  for (const hwmon of (await readdir(roots.hwmon).catch(() => [] as string[])).sort()) {
    const dir = join(roots.hwmon, hwmon);
    if ((await text(join(dir, 'name'))) !== 'amd_energy') continue;
    for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => /^energy\d+_input$/.test(f))) {
      const channel = file.replace('_input', '');
      zones.push({
        id: `amd_energy/${channel}`,
        name: (await text(join(dir, `${channel}_label`))) ?? channel,
        readable: isCount(await text(join(dir, file))),
        path: join(dir, file),
      });
    }
  }
  if (zones.some((zone) => zone.readable)) return { zones, ...simulated };
  const inVm = /^flags\s*:.*\bhypervisor\b/m.test((await text(roots.cpuinfo)) ?? '');
  const missingReason =
    zones.length > 0
      ? `energy counters not readable by this user (${zones.map((zone) => zone.id).join(', ')}: energy_uj is root-only since Linux 5.10; a udev rule can give a group read access)`
      : inVm
        ? 'no powercap zones: running inside a VM'
        : powercap === undefined
          ? 'no powercap zones: /sys/class/powercap is absent (no RAPL driver loaded: intel_rapl_msr, or a CPU without RAPL)'
          : 'no powercap zones: /sys/class/powercap has no RAPL zone (load intel_rapl_msr; on AMD, a kernel with AMD RAPL support)';
  return { zones, missingReason, ...simulated };
}

/** A counter's first line (a counter file holds one) is a count of microjoules. */
function isCount(value: string | undefined): boolean {
  return value !== undefined && /^\d+$/.test(value.split('\n')[0] ?? '');
}

/**
 * The zones a run sums, so that no joule counts twice: `psys` (the whole platform) where it is readable; else
 * each package (`intel-rapl:N`, which holds its cores and uncore) plus its `dram` subzone (outside the package);
 * amd_energy's sockets (`Esocket*`, which hold their cores). Empty, with the reason, when none can be read.
 */
export function meteredZones(counters: EnergyCounters | undefined): { zones: EnergyZone[]; missingReason?: string } {
  if (!counters) return { zones: [], missingReason: 'energy counters not probed' };
  const readable = counters.zones.filter((zone) => zone.readable && zone.path);
  const psys = readable.filter((zone) => zone.name === 'psys');
  const chosen = psys.length
    ? psys
    : readable.filter(
        (zone) =>
          /^intel-rapl:\d+$/.test(zone.id) ||
          (/^intel-rapl:\d+:\d+$/.test(zone.id) && zone.name === 'dram') ||
          (zone.id.startsWith('amd_energy/') && zone.name.startsWith('Esocket')),
      );
  if (chosen.length) return { zones: chosen };
  return {
    zones: [],
    missingReason:
      counters.missingReason ??
      `no package, dram or psys zone among the readable counters (${readable.map((zone) => zone.id).join(', ')})`,
  };
}

/** One line for reports and doctor: the readable zones, or why there is none (`not recorded` for older files). */
export function describeEnergyCounters(counters: EnergyCounters | undefined): string {
  if (!counters) return 'not recorded';
  const readable = counters.zones.filter((zone) => zone.readable);
  return readable.length
    ? readable.map((zone) => `${zone.id} ${zone.name}`).join(', ')
    : `none: ${counters.missingReason ?? 'no zone readable'}`;
}
