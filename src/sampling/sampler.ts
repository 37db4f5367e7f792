import { performance } from 'node:perf_hooks';
import type { CgroupLocation } from './cgroup-paths.js';
import type { CgroupReading, CgroupSources } from './cgroup-reading.js';
import { cgroupV1Sources } from './cgroup-v1.js';
import { cgroupV2Sources } from './cgroup-v2.js';
import type { EnergyMeter } from './energy-meter.js';
import { KernelFiles } from './kernel-files.js';
import { readCgroup, readCgroupPids } from './read-cgroup.js';
import { readProcs, type ProcReading } from './read-proc.js';
import type { SampledSeries, SeriesColumn } from './series.js';

/** What to sample: the guest's cgroup (its processes are read from it) and, for containers, the shim. */
export interface SamplerTarget {
  readonly cgroup: CgroupLocation;
  /** The engine's per-container helper (containerd's shim, Podman's conmon), sampled by its own /proc figures. */
  readonly extraPids?: readonly number[];
  /**
   * A group below `cgroup` that holds the helper (Podman's `conmon` group under the cgroupfs manager): its
   * processes are the shim's, not the guest's, and its memory is already in the cgroup's figures, so what
   * the host pays does not add the shim again. Absent: the helper is outside the cgroup (Docker).
   */
  readonly helperGroup?: string;
  /** Columns the runtime already knows cannot be read from this cgroup, and why (merged into the trial's missing reasons). */
  readonly missingReasons?: Readonly<Record<string, string>>;
}

type ColumnSpec = Omit<SeriesColumn, 'values'>;

/** The shim's smaps_rollup is read on every this-many full rows (and every event row). */
const shimSmapsEvery = 10;
/** The guest's cgroup folders are listed anew (new child groups) on every this-many full rows and every event row. */
const listGroupsEvery = 10;

const cgroupColumns: Record<
  string,
  { field: keyof CgroupReading; unit: SeriesColumn['unit']; kind: SeriesColumn['kind'] }
> = {
  'cgroup.memory_usage_bytes': { field: 'memoryUsageBytes', unit: 'bytes', kind: 'gauge' },
  'cgroup.memory_peak_bytes': { field: 'memoryPeakBytes', unit: 'bytes', kind: 'gauge' },
  'cgroup.memory_working_set_bytes': { field: 'workingSetBytes', unit: 'bytes', kind: 'gauge' },
  'cgroup.memory_anon_bytes': { field: 'anonBytes', unit: 'bytes', kind: 'gauge' },
  'cgroup.memory_file_bytes': { field: 'fileBytes', unit: 'bytes', kind: 'gauge' },
  'cgroup.cpu_seconds': { field: 'cpuUsageSeconds', unit: 'seconds', kind: 'counter' },
  'cgroup.cpu_user_seconds': { field: 'cpuUserSeconds', unit: 'seconds', kind: 'counter' },
  'cgroup.cpu_system_seconds': { field: 'cpuSystemSeconds', unit: 'seconds', kind: 'counter' },
  'cgroup.io_read_bytes': { field: 'ioReadBytes', unit: 'bytes', kind: 'counter' },
  'cgroup.io_write_bytes': { field: 'ioWriteBytes', unit: 'bytes', kind: 'counter' },
  'cgroup.io_read_ops': { field: 'ioReadOps', unit: 'operations', kind: 'counter' },
  'cgroup.io_write_ops': { field: 'ioWriteOps', unit: 'operations', kind: 'counter' },
};

/** v1 columns whose group total leaves out removed child groups (blkio's recursive sums skip them). */
const v1ChildOnlyColumns = [
  'cgroup.io_read_bytes',
  'cgroup.io_write_bytes',
  'cgroup.io_read_ops',
  'cgroup.io_write_ops',
];
const v1RemovedChildReason =
  "cgroup v1 blkio drops a removed child group's I/O from its parent: the guest's group was gone before any sample";

type ProcColumn = { field: keyof ProcReading; unit: SeriesColumn['unit']; kind: SeriesColumn['kind']; source: string };

const memoryColumns: Record<string, ProcColumn> = {
  rss_bytes: { field: 'rssBytes', unit: 'bytes', kind: 'gauge', source: 'proc.statm.resident' },
  pss_bytes: { field: 'pssBytes', unit: 'bytes', kind: 'gauge', source: 'proc.smaps_rollup.Pss' },
  private_bytes: { field: 'privateBytes', unit: 'bytes', kind: 'gauge', source: 'proc.smaps_rollup.Private' },
};

/** The guest's processes: CPU and I/O include children they reaped, so short-lived processes count. */
const guestColumns: Record<string, ProcColumn> = {
  ...memoryColumns,
  // How much of the guest's anonymous memory the host maps with transparent huge pages: QEMU madvises a VM's
  // RAM for them, a container's or a native process's memory gets them only under THP "always".
  anon_huge_bytes: { field: 'anonHugeBytes', unit: 'bytes', kind: 'gauge', source: 'proc.smaps_rollup.AnonHugePages' },
  cpu_seconds: {
    field: 'cpuWithChildrenSeconds',
    unit: 'seconds',
    kind: 'counter',
    source: 'proc.stat.utime+stime+cutime+cstime',
  },
  io_read_bytes: { field: 'ioReadBytes', unit: 'bytes', kind: 'counter', source: 'proc.io.read_bytes' },
  io_write_bytes: { field: 'ioWriteBytes', unit: 'bytes', kind: 'counter', source: 'proc.io.write_bytes' },
};

/**
 * The shim: its own CPU only, and no I/O columns: it reaps the container's init, so its children's
 * CPU and its /proc/PID/io would repeat the container's own.
 */
const shimColumns: Record<string, ProcColumn> = {
  ...memoryColumns,
  cpu_seconds: { field: 'cpuSeconds', unit: 'seconds', kind: 'counter', source: 'proc.stat.utime+stime' },
};

/**
 * The host's whole draw and busy CPU time since the trial started (its spawn), on full rows: what a trial's energy
 * figures are computed from (src/results/energy.ts), beside its cgroup's CPU time in the same row.
 */
const energyColumns: Record<string, ColumnSpec> = {
  'host.energy_joules': { unit: 'joules', kind: 'counter', source: 'host.energy_uj' },
  'host.cpu_busy_seconds': { unit: 'seconds', kind: 'counter', source: 'proc.stat.cpu.busy' },
};

/**
 * Samples one guest at a fixed interval, the same way for every runtime: its cgroup (v1 or v2), the
 * /proc figures of the processes in that cgroup (`guest.*`) and of any extra processes (`shim.*`).
 */
export class Sampler {
  readonly #target: SamplerTarget;
  readonly #intervalMs: number;
  readonly #tickSeconds: number;
  readonly #origin: number;
  readonly #series: SampledSeries;
  readonly #specs: Record<string, ColumnSpec>;
  readonly #costs: number[] = [];
  readonly #cpuCosts: number[] = [];
  readonly #files = new KernelFiles();
  /** Every this-many rows a full sample (about once a second), and every event row. */
  readonly #fullEvery: number;
  #rows = 0;
  #fullRows = 0;
  #pids: number[] = [];
  /** Column → why a sample could not read it, beyond the file being absent. */
  readonly #missingReasons: Record<string, string> = {};
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  /** The host's energy counters and busy CPU time, read on every full row (absent where the host has none). */
  readonly #energy: EnergyMeter | undefined;

  /** `origin` is the performance.now() of the trial start, so rows line up with boot phases. */
  /** `MAJ:MIN` of the devices below a stacked one: their I/O lines repeat the stacked device's and are left out. */
  readonly #skippedDevices: ReadonlySet<string> | undefined;

  constructor(
    target: SamplerTarget,
    options: {
      intervalMs: number;
      tickSeconds: number;
      origin: number;
      skippedDevices?: readonly string[];
      energy?: EnergyMeter;
    },
  ) {
    this.#energy = options.energy;
    this.#skippedDevices = options.skippedDevices?.length ? new Set(options.skippedDevices) : undefined;
    this.#target = target;
    this.#intervalMs = options.intervalMs;
    this.#tickSeconds = options.tickSeconds;
    this.#origin = options.origin;
    const sources: CgroupSources = target.cgroup.version === 1 ? cgroupV1Sources : cgroupV2Sources;
    this.#specs = {};
    for (const [name, spec] of Object.entries(cgroupColumns)) {
      this.#specs[name] = { unit: spec.unit, kind: spec.kind, source: sources[spec.field] };
    }
    const groups: [string, Record<string, ProcColumn>][] = [
      ['guest', guestColumns],
      ...(target.extraPids?.length ? [['shim', shimColumns] as [string, Record<string, ProcColumn>]] : []),
    ];
    for (const [group, columns] of groups) {
      for (const [name, spec] of Object.entries(columns))
        this.#specs[`${group}.${name}`] = { unit: spec.unit, kind: spec.kind, source: spec.source };
    }
    if (this.#energy) Object.assign(this.#specs, energyColumns);
    const columns: Record<string, SeriesColumn> = {};
    for (const [name, spec] of Object.entries(this.#specs)) columns[name] = { ...spec, values: [] };
    // Interval 0, the sampler-off control: no periodic rows, and every event row is full.
    this.#fullEvery = options.intervalMs > 0 ? Math.max(1, Math.ceil(1000 / options.intervalMs)) : 1;
    this.#series = {
      intervalMs: options.intervalMs,
      tMs: [],
      columns,
      events: [],
      sampleCostMs: { mean: 0, max: 0 },
      fullEvery: this.#fullEvery,
      ...(target.helperGroup && target.extraPids?.length ? { shimInCgroup: true } : {}),
    };
  }

  /** Start periodic sampling; the first sample is taken now and may carry an event label. */
  start(firstLabel?: string): void {
    let label = firstLabel;
    const tick = (): void => {
      this.#inFlight ??= this.sampleNow(label).finally(() => {
        this.#inFlight = undefined;
      });
      label = undefined;
      if (this.#intervalMs > 0) this.#timer = setTimeout(tick, this.#intervalMs);
    };
    tick();
  }

  /**
   * Take one sample now; with a label, mark it as an event row (`ready`, `exit`). Synchronous reads
   * through descriptors opened once: a sample costs tens of microseconds of CPU, not milliseconds.
   */
  async sampleNow(label?: string): Promise<void> {
    this.#sample(label);
  }

  #sample(label: string | undefined): void {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const full = label !== undefined || this.#rows % this.#fullEvery === 0;
    // First, so that the row's time is the reading's: the host's joules and busy CPU at `started`.
    const energy = full ? this.#energy?.read() : undefined;
    this.#rows++;
    const location = this.#target.cgroup;
    const cgroup = readCgroup(location, this.#tickSeconds, this.#files, {
      full,
      ...(this.#skippedDevices ? { skippedDevices: this.#skippedDevices } : {}),
    });
    let childGone = false;
    let guest: ProcReading | undefined;
    let shim: ProcReading | undefined;
    if (full) {
      const list = label !== undefined || this.#fullRows % listGroupsEvery === 0;
      const tree = readCgroupPids(location, this.#files, { list });
      const helperPids = this.#target.helperGroup ? this.#files.readTree(this.#target.helperGroup, { list }).pids : [];
      const pids = helperPids.length > 0 ? tree.pids.filter((pid) => !helperPids.includes(pid)) : tree.pids;
      for (const gone of this.#pids.filter((pid) => !pids.includes(pid))) this.#files.forgetUnder(`/proc/${gone}`);
      this.#pids = pids;
      // On v1 a blkio group that no longer holds the guest (no process, no child group) may have lost its
      // I/O. While the guest has processes its groups exist, so the blkio tree is only walked once it has none.
      const blkio = location.version === 1 && pids.length === 0 ? location.dirs.blkio : undefined;
      const blkioTree = blkio ? this.#files.readTree(blkio) : undefined;
      childGone = blkioTree !== undefined && blkioTree.pids.length === 0 && blkioTree.childGroups === 0;
      if (childGone) for (const column of v1ChildOnlyColumns) this.#missingReasons[column] = v1RemovedChildReason;
      guest = pids.length > 0 ? readProcs(pids, this.#tickSeconds, this.#files) : undefined;
      // The shim's PSS barely moves and its smaps_rollup costs ~300 µs (a Go runtime's many mappings):
      // read at every event row and every tenth full row; its RSS and CPU on every full row.
      const shimSmaps = label !== undefined || this.#fullRows % shimSmapsEvery === 0;
      shim = this.#target.extraPids?.length
        ? readProcs(this.#target.extraPids, this.#tickSeconds, this.#files, { smaps: shimSmaps })
        : undefined;
      this.#fullRows++;
    }
    const row = this.#series.tMs.length;
    this.#series.tMs.push(Math.round((started - this.#origin) * 10) / 10);
    for (const [name, spec] of Object.entries(cgroupColumns))
      this.#push(name, childGone && v1ChildOnlyColumns.includes(name) ? undefined : cgroup[spec.field]);
    for (const [name, spec] of Object.entries(guestColumns)) this.#push(`guest.${name}`, guest?.[spec.field]);
    if (this.#target.extraPids?.length)
      for (const [name, spec] of Object.entries(shimColumns)) this.#push(`shim.${name}`, shim?.[spec.field]);
    if (this.#energy) {
      this.#push('host.energy_joules', energy?.joules);
      this.#push('host.cpu_busy_seconds', energy?.hostCpuSeconds);
    }
    if (label) this.#series.events.push({ label, row });
    this.#costs.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    this.#cpuCosts.push(cpu.user + cpu.system);
  }

  #push(name: string, value: number | undefined): void {
    this.#series.columns[name]?.values.push(value === undefined ? null : value);
  }

  /** Why columns could not be read in some samples (merged into the trial's missing reasons). */
  get missingReasons(): Readonly<Record<string, string>> {
    return { ...this.#target.missingReasons, ...this.#missingReasons };
  }

  /** Stop the periodic samples (waits for one under way); `sampleNow` still works, for a final row. */
  async halt(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  /** Stop sampling and return the series (waits for a sample under way). */
  async stop(): Promise<SampledSeries> {
    await this.halt();
    const total = this.#costs.reduce((sum, cost) => sum + cost, 0);
    this.#series.sampleCostMs = {
      mean: this.#costs.length ? Math.round((total / this.#costs.length) * 1000) / 1000 : 0,
      max: this.#costs.length ? Math.round(Math.max(...this.#costs) * 1000) / 1000 : 0,
    };
    const cpuTotal = this.#cpuCosts.reduce((sum, cost) => sum + cost, 0);
    if (this.#cpuCosts.length)
      this.#series.sampleCpuMicros = {
        mean: Math.round(cpuTotal / this.#cpuCosts.length),
        max: Math.max(...this.#cpuCosts),
      };
    this.#files.close();
    return this.#series;
  }
}
