import { createHash } from 'node:crypto';
import { describe, median } from '../results/stats.js';
import type { Figure } from '../results/figures.js';
import { displayNames, type NamedResult } from './compare.js';
import { cell, formatInterval, formatNumber, formatStats, intervalLegend, literal, markdownTable } from './format.js';
import { hostDimensions } from './host-dimensions.js';
import { kindOf, referenceOf, vmEmulated } from './kinds.js';
import { ratioSamples } from './ratios.js';

/**
 * Dimensions that name one machine rather than a kind of host: left out of the fingerprint that groups
 * hosts (a kernel command line carries the root disk's UUID), shown per host instead. The energy counters
 * move no figure a fleet compares (and files from before them say "not recorded"): shown, not grouped by.
 */
const perHost = new Set(['host', 'kernel cmdline', 'runtimes', 'energy counters']);

/** One group of the fleet: hosts of one architecture whose fingerprints (hardware, kernel, engines, settings) agree. */
export interface FleetGroup {
  id: string;
  architecture: string;
  /** Short hash of the shared dimensions. */
  fingerprint: string;
  dimensions: Record<string, string>;
  members: { index: number; file: NamedResult }[];
}

/** Group results by architecture (host → guest), then by the fingerprint of everything but per-machine names. */
export function fleetGroups(files: readonly NamedResult[]): FleetGroup[] {
  const groups = new Map<string, Omit<FleetGroup, 'id'>>();
  files.forEach((file, index) => {
    const all = hostDimensions(file.result);
    const dimensions = Object.fromEntries(Object.entries(all).filter(([name]) => !perHost.has(name)));
    const architecture = `${file.result.host.arch} host, ${file.result.config.arch} guests`;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(Object.entries(dimensions).sort()))
      .digest('hex')
      .slice(0, 8);
    const key = `${architecture}\u0000${fingerprint}`;
    const group = groups.get(key) ?? { architecture, fingerprint, dimensions, members: [] };
    group.members.push({ index, file });
    groups.set(key, group);
  });
  return [...groups.values()]
    .sort(
      (a, b) =>
        a.architecture.localeCompare(b.architecture) ||
        b.members.length - a.members.length ||
        a.fingerprint.localeCompare(b.fingerprint),
    )
    .map((group, index) => ({ id: `G${index + 1}`, ...group }));
}

/** A ratio's pair (`qemu/native`), its reference and its figure (`cpu/events_per_s`), from the ratio itself. */
function ratioParts(ratio: Figure): { pair: string; bottom: string; figure: string } {
  const bottom = ratio.reference ?? '';
  return { pair: `${ratio.runtime}/${bottom}`, bottom, figure: `${ratio.workload}/${ratio.metric}` };
}

const hostName = (file: NamedResult, index: number) => `#${index + 1} ${file.result.host.hostname}`;

/**
 * `bench compare` for a fleet (20, 50 hosts): one row per host instead of a column, hosts grouped by
 * architecture and fingerprint, and per figure the **ratios to the native baseline measured on the same
 * host**, which compare across unlike hosts where absolute figures do not. Each group also gets the median
 * of its hosts' medians.
 */
export function renderFleetComparison(files: readonly NamedResult[]): string {
  const groups = fleetGroups(files);
  const groupOf = new Map(groups.flatMap((group) => group.members.map((member) => [member.index, group] as const)));
  const ordered = groups.flatMap((group) => group.members);
  const lines = [
    '# twinbench fleet comparison',
    '',
    `${files.length} result files in ${groups.length} group(s). A group is one architecture (host → guests) and one host fingerprint: hosts in it share the CPU model and count, kernel, OS, cgroup mode, accelerator, engine and QEMU versions, envelope and host settings (governor, boost, SMT, THP, swap, mitigations); only the machine's name and kernel command line may differ. Absolute figures compare within a group; across groups compare the **ratios to native**, each measured on its own host.`,
    '',
    '## Groups',
    '',
  ];
  const dimensionNames = [...new Set(groups.flatMap((group) => Object.keys(group.dimensions)))];
  const differing = dimensionNames.filter(
    (name) => new Set(groups.map((group) => group.dimensions[name] ?? 'not recorded')).size > 1,
  );
  const shared = dimensionNames.filter((name) => !differing.includes(name));
  lines.push(
    ...markdownTable(
      ['group', 'architecture', 'fingerprint', 'hosts', ...differing.map(cell)],
      groups.map((group) => [
        group.id,
        group.architecture,
        group.fingerprint,
        String(group.members.length),
        ...differing.map((name) => literal(group.dimensions[name] ?? 'not recorded', true)),
      ]),
    ),
  );
  if (shared.length > 0)
    lines.push(
      '',
      `Shared by every group: ${shared.map((name) => `${name} ${literal(groups[0]?.dimensions[name] ?? '')}`).join('; ')}.`,
    );
  const emulated = ordered.filter((member) => vmEmulated(member.file.result));
  if (emulated.length > 0)
    lines.push(
      '',
      `> VM figures of ${emulated.map((member) => `#${member.index + 1}`).join(', ')} measure emulation (TCG), not virtualization.`,
    );
  lines.push('', '## Hosts', '');
  const names = displayNames(files.map((file) => file.path));
  lines.push(
    ...markdownTable(
      ['#', 'host', 'group', 'file', 'run', 'trials completed', 'runtimes'],
      ordered.map(({ index, file }) => [
        String(index + 1),
        literal(file.result.host.hostname, true),
        String(groupOf.get(index)?.id),
        literal(names[index] ?? file.path, true),
        `${file.result.startedAt.slice(0, 16).replace('T', ' ')} ${file.result.status}`,
        `${file.result.trials.filter((trial) => trial.state === 'completed').length}/${file.result.trials.length}`,
        Object.keys(file.result.runtimes).join(', '),
      ]),
    ),
  );
  const ratios = files.map((file) => ratioSamples(file.result));
  const figures = [
    ...new Set(ratios.flatMap((map) => [...map.values()].map((ratio) => ratioParts(ratio).figure))),
  ].sort();
  const sections: { title: string; native: boolean }[] = [
    { title: 'Ratios to native, per host', native: true },
    { title: 'Ratios between other runtimes, per host', native: false },
  ];
  for (const section of sections) {
    const isNativePair = (ratio: Figure, index: number) =>
      kindOf(files[index]!.result, ratioParts(ratio).bottom) === 'native';
    const tables: string[] = [];
    for (const figure of figures) {
      const pairs = [
        ...new Set(
          ratios.flatMap((map, index) =>
            [...map.values()]
              .filter((ratio) => ratioParts(ratio).figure === figure && isNativePair(ratio, index) === section.native)
              .map((ratio) => ratioParts(ratio).pair),
          ),
        ),
      ].sort();
      if (pairs.length === 0) continue;
      const entry = (index: number, pair: string): Figure | undefined => ratios[index]!.get(`${pair}/${figure}`);
      const direction = pairs
        .map((pair) => ordered.map((member) => entry(member.index, pair)).find(Boolean)?.direction)
        .find(Boolean);
      tables.push(
        `### ${figure} (${direction === 'higher' ? 'above 1 = more than' : 'below 1 = less than'} the reference${direction ? `; ${direction} is better` : ''})`,
        '',
      );
      const rows: string[][] = [];
      for (const group of groups) {
        for (const { index, file } of group.members) {
          const cells = pairs.map((pair) => {
            const found = entry(index, pair);
            if (found) return formatStats(describe(found.values));
            return section.native && !referenceOf(file.result, 'native') ? 'no native run' : '—';
          });
          rows.push([literal(hostName(file, index), true), group.id, ...cells.map(cell)]);
        }
        if (group.members.length > 1) {
          const cells = pairs.map((pair) => {
            const medians = group.members.flatMap(({ index }) => {
              const found = entry(index, pair);
              return found ? [median(found.values)] : [];
            });
            const stats = describe(medians);
            return stats ? `**${formatNumber(stats.median)} ${formatInterval(stats.ci95)} hosts=${stats.n}**` : '—';
          });
          rows.push([`**${group.id}: median of hosts**`, group.id, ...cells]);
        }
      }
      tables.push(...markdownTable(['host', 'group', ...pairs.map(cell)], rows), '');
    }
    if (tables.length === 0) continue;
    lines.push(
      '',
      `## ${section.title}`,
      '',
      section.native
        ? 'Each cell: median of the per-repetition ratios of a runtime to the native baseline on that host [95 % interval] n (trials are interleaved, so repetition i of each runtime ran side by side). Boot has no native counterpart (nothing boots natively); see the next section.'
        : "The same for pairs without the baseline: each VM to the reference container, each runtime to its kind's reference.",
      '',
      intervalLegend.replace('Each cell: median', 'Per host: median'),
      "The bold group row is the median of its hosts' medians [95 % interval of that median] and how many hosts.",
      '',
      ...tables,
    );
  }
  lines.push('');
  return lines.join('\n');
}
