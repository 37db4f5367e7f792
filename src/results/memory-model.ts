import type { ColumnSummary, SampledSeries } from '../sampling/series.js';

/** The guest's own view of the memory it uses, as the agent printed it (`TWINBENCH MEMORY`). */
export interface GuestMemoryView {
  readonly at: 'ready' | 'exit';
  readonly usedBytes: number;
  readonly source: string;
}

/**
 * The memory model, the same three figures for every runtime (README, "What memory figures mean"):
 * - `memory.host_pays_bytes`: everything charged to the runtime's cgroup (anonymous memory, page cache,
 *   kernel memory) plus the helpers outside it that exist for this guest (a container's shim, by PSS; a
 *   helper inside the cgroup, Podman's conmon under cgroupfs, is in the usage already);
 * - `memory.guest_uses_bytes`: what the guest's own kernel accounts as in use and not droppable at once
 *   (a VM: MemTotal − MemAvailable of the guest kernel; a container or native: its memory cgroup's usage
 *   less its file LRU pages), reported by the agent at READY and just before EXIT;
 * - `memory.overhead_bytes`: pays − uses at the same two moments, what running it this way adds.
 * Each at READY (`atReady`) and at exit (`atExit`); the host side also as its peak over the rows that read the
 * cgroup's usage (`peak`), a shim's PSS taken as last read. The kernel's own high-water mark of the cgroup is `cgroup.memory_peak_bytes`.
 */
export function memoryModel(series: SampledSeries, views: readonly GuestMemoryView[]): Record<string, ColumnSummary> {
  const usage = series.columns['cgroup.memory_usage_bytes'];
  // A helper inside the cgroup (Podman's conmon) is already in its usage.
  const shim = series.shimInCgroup ? undefined : series.columns['shim.pss_bytes'];
  // The shim's PSS is read at every event row and every tenth full row (its smaps_rollup is the sampler's
  // costliest read, and it barely moves): each row takes the last value read, so the host side's peak is over
  // every row that read the cgroup's usage, as for a runtime without a shim, not only every tenth second's.
  const helperAt: (number | undefined)[] = [];
  if (shim) {
    let last: number | undefined;
    for (let row = 0; row < series.tMs.length; row++) {
      const value = shim.values[row];
      if (value !== null && value !== undefined) last = value;
      helperAt.push(last);
    }
  }
  const paysAt = (row: number | undefined): number | undefined => {
    if (row === undefined || !usage) return undefined;
    const charged = usage.values[row];
    const helper = shim ? helperAt[row] : 0;
    return charged === null || charged === undefined || helper === undefined ? undefined : charged + helper;
  };
  const eventRow = (label: string) => series.events.find((event) => event.label === label)?.row;
  const source = shim
    ? `${usage?.source ?? 'cgroup memory usage'} + shim ${shim.source} (as last read)`
    : (usage?.source ?? 'cgroup memory usage');
  const pays: ColumnSummary = { unit: 'bytes', source, kind: 'gauge', samples: 0 };
  const aligned = series.tMs.map((_, row) => paysAt(row)).filter((value): value is number => value !== undefined);
  pays.samples = aligned.length;
  if (aligned.length > 0) pays.peak = Math.max(...aligned);
  const paysReady = paysAt(eventRow('ready'));
  // The exit row is taken when EXIT is read, the agent's exit view just before it; a guest that never
  // printed EXIT has its last row instead, `end`.
  const paysExit = paysAt(eventRow('exit') ?? eventRow('end'));
  if (paysReady !== undefined) pays.atReady = paysReady;
  if (paysExit !== undefined) pays.atExit = paysExit;
  if (aligned.length === 0)
    pays.missingReason = shim
      ? "no row read the cgroup's usage at or after a reading of the shim's PSS"
      : "no row read the cgroup's memory usage";

  const ready = views.find((view) => view.at === 'ready');
  const exit = views.find((view) => view.at === 'exit');
  const uses: ColumnSummary = {
    unit: 'bytes',
    source: ready?.source ?? exit?.source ?? 'guest agent',
    kind: 'gauge',
    samples: (ready ? 1 : 0) + (exit ? 1 : 0),
  };
  if (ready) uses.atReady = ready.usedBytes;
  if (exit) uses.atExit = exit.usedBytes;
  if (!ready && !exit)
    uses.missingReason =
      'the guest agent printed no MEMORY line (an image from before the memory model, or no readable memory cgroup or /proc/meminfo in the guest)';

  const overhead: ColumnSummary = {
    unit: 'bytes',
    source: 'memory.host_pays_bytes - memory.guest_uses_bytes, at the same event',
    kind: 'gauge',
    samples: 0,
  };
  if (paysReady !== undefined && ready) overhead.atReady = paysReady - ready.usedBytes;
  if (paysExit !== undefined && exit) overhead.atExit = paysExit - exit.usedBytes;
  overhead.samples = (overhead.atReady === undefined ? 0 : 1) + (overhead.atExit === undefined ? 0 : 1);
  if (overhead.samples === 0)
    overhead.missingReason = 'needs the host side and the guest view at the same event (READY or exit)';
  return { 'memory.host_pays_bytes': pays, 'memory.guest_uses_bytes': uses, 'memory.overhead_bytes': overhead };
}
