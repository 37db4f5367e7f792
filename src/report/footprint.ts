import { figuresOf, restingWorkloads } from '../results/figures.js';
import type { GroupSummary } from '../results/aggregate.js';
import type { ResultFile } from '../results/types.js';
import { formatMiB, formatStats, markdownTable } from './format.js';
import { kindOf, shown } from './kinds.js';

/** A container's shim figure (n/a for VMs and native runs), marked where the helper lives inside the cgroup and so is not added to it. */
function shimCell(result: ResultFile, runtime: string, figure: string): string {
  if (kindOf(result, runtime) !== 'container') return 'n/a (no shim)';
  const inside = result.runtimes[runtime]?.info['shimInsideCgroup'] === true;
  return inside && figure !== 'not measured' ? `${figure} (in the cgroup)` : figure;
}

/** The footprint and memory-model tables of the Markdown report: what the host pays for a resting guest. */
export function footprintTable(result: ResultFile, groups: GroupSummary[]): string[] {
  const lines = [
    '## What the host pays (idle workload unless none ran)',
    '',
    "Same sampler for every runtime: the guest's cgroup, the /proc figures of its processes (QEMU, or the container's processes), and for containers the engine's per-container helper (the shim), read by its own /proc figures. A shim outside the cgroup is added to what the host pays; one in a group below the trial's (\"in the cgroup\") is already in the cgroup figures and is left out of the guest's processes. PSS counts shared pages once.",
    '',
    "Page cache: file pages charged to the guest's group. For a container that is its own file cache; for a VM whose root disk uses the host's page cache (`cache=writeback`, see the QEMU line) it is the host caching the VM's disk **on top of** the guest's own cache inside its RAM: the double caching, measured here rather than hidden in the working set.",
    '',
  ];
  const resting = restingWorkloads(figuresOf(result).shown.values());
  const idle = groups.some((group) => resting.includes(group.workload))
    ? groups.filter((group) => resting.includes(group.workload))
    : groups;
  const mem = (group: GroupSummary, key: string) => formatStats(group.resources[key]?.stats, formatMiB);
  const row = (group: GroupSummary, cells: string[]) => [
    `${shown(result, group.runtime)} (${group.workload})`,
    ...cells,
  ];
  lines.push(
    ...markdownTable(
      [
        'runtime',
        'cgroup working set (peak)',
        'page cache in the group (peak)',
        'guest processes PSS (peak)',
        'shim PSS (peak)',
        'CPU s to READY (cgroup)',
      ],
      idle.map((group) =>
        row(group, [
          ...['cgroup.memory_working_set_bytes.peak', 'cgroup.memory_file_bytes.peak', 'guest.pss_bytes.peak'].map(
            (key) => mem(group, key),
          ),
          shimCell(result, group.runtime, mem(group, 'shim.pss_bytes.peak')),
          formatStats(group.resources['cgroup.cpu_seconds.atReady']?.stats),
        ]),
      ),
    ),

    '',
    '### Memory model: what the host pays, what the guest uses, the overhead',
    '',
    "The same three figures for every runtime (README, \"What memory figures mean\"). **Pays**: everything charged to the runtime's cgroup (anonymous memory, page cache, kernel memory), plus the container's shim by PSS. **Uses**: the guest's own view, printed by the agent: a VM's MemTotal − MemAvailable; a container's or native run's memory cgroup less its file LRU pages (their /proc/meminfo is the host's). **Overhead** = pays − uses at the same moment. The kernel's high-water mark of the cgroup stands beside the sampled peak.",
    '',
  );
  const model: [header: string, key: string][] = [
    ['pays at READY', 'memory.host_pays_bytes.atReady'],
    ['uses at READY', 'memory.guest_uses_bytes.atReady'],
    ['overhead at READY', 'memory.overhead_bytes.atReady'],
    ['pays at exit', 'memory.host_pays_bytes.atExit'],
    ['uses at exit', 'memory.guest_uses_bytes.atExit'],
    ['overhead at exit', 'memory.overhead_bytes.atExit'],
    ['pays, sampled peak', 'memory.host_pays_bytes.peak'],
    ['cgroup high-water mark (kernel)', 'cgroup.memory_peak_bytes.peak'],
  ];
  lines.push(
    ...markdownTable(
      ['runtime', ...model.map(([header]) => header)],
      idle.map((group) =>
        row(
          group,
          model.map(([, key]) => mem(group, key)),
        ),
      ),
    ),
  );
  return lines;
}
