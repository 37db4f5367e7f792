/** How a column behaves: a gauge is a level (memory), a counter only grows (CPU seconds, bytes). */
type ColumnKind = 'gauge' | 'counter';

/** One sampled figure over time; `null` where a sample could not read it. */
export interface SeriesColumn {
  /** Unit of every value: `bytes`, `seconds`. */
  unit: 'bytes' | 'seconds' | 'operations' | 'joules';
  /** File or API the value came from, e.g. `cgroup.v1.memory.usage_in_bytes`. */
  source: string;
  kind: ColumnKind;
  values: (number | null)[];
}

/** A trial's samples in compact columns: `tMs[i]` is when row i was taken. */
export interface SampledSeries {
  /** Requested interval between samples, milliseconds. */
  intervalMs: number;
  /** Sample times, milliseconds since the trial started (before create/spawn). */
  tMs: number[];
  /** Column name → values aligned with `tMs`. */
  columns: Record<string, SeriesColumn>;
  /** Moments worth marking: `ready`, `exit`, with their row index. */
  events: { label: string; row: number }[];
  /** Mean and max wall time one sample took on the host, milliseconds (the sampler's own cost). */
  sampleCostMs: { mean: number; max: number };
  /**
   * Mean and max CPU time of the whole twinbench process while one row was taken, microseconds: the
   * sampler's own reads plus whatever helper threads (GC, the I/O pool) ran meanwhile, so an upper
   * bound of the sampler's cost (Node 20 has no per-thread CPU clock). Absent in older files.
   */
  sampleCpuMicros?: { mean: number; max: number };
  /**
   * Every `fullEvery`-th row, and every event row, is a full sample: it also reads the cgroup's I/O
   * files, finds the guest's processes and reads their /proc files; the rows between read the
   * cgroup's memory and CPU only and leave the other columns null. Absent in older files: every row full.
   */
  fullEvery?: number;
  /** The shim's processes are inside the cgroup (Podman's conmon): its figures are shown, not added to what the host pays. */
  shimInCgroup?: boolean;
}

/** Summary of one column over a trial. */
export interface ColumnSummary {
  unit: SeriesColumn['unit'];
  source: string;
  kind: ColumnKind;
  /** Gauges: highest and mean value over the samples that read it. */
  peak?: number;
  mean?: number;
  /** Counters: value at the `ready` event and at the last sample (cumulative since creation). The memory model's gauges (`memory.*`) also have `atReady`. */
  atReady?: number;
  last?: number;
  /** The memory model's gauges (`memory.*`): value at the guest's exit (see src/results/memory-model.ts). */
  atExit?: number;
  /** Number of samples that had a value. */
  samples: number;
  /** Why there is no figure, when `samples` is 0. */
  missingReason?: string;
}

/** Summarise every column of a series. */
export function summarizeSeries(
  series: SampledSeries,
  missingReasons: Record<string, string> = {},
): Record<string, ColumnSummary> {
  const readyRow = series.events.find((event) => event.label === 'ready')?.row;
  const summaries: Record<string, ColumnSummary> = {};
  for (const [name, column] of Object.entries(series.columns)) {
    const present = column.values.filter((value): value is number => value !== null);
    const summary: ColumnSummary = {
      unit: column.unit,
      source: column.source,
      kind: column.kind,
      samples: present.length,
    };
    if (present.length === 0) {
      summary.missingReason = missingReasons[name] ?? 'no sample could read this figure';
    } else if (column.kind === 'gauge') {
      summary.peak = Math.max(...present);
      summary.mean = present.reduce((sum, value) => sum + value, 0) / present.length;
    } else {
      summary.last = present.at(-1);
      const atReady = readyRow === undefined ? undefined : column.values[readyRow];
      if (atReady !== null && atReady !== undefined) summary.atReady = atReady;
    }
    summaries[name] = summary;
  }
  return summaries;
}
