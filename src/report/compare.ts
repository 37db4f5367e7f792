import { vmEmulated } from './kinds.js';
import { UsageError } from '../errors.js';
import { figuresOf, type Figure } from '../results/figures.js';
import { describe } from '../results/stats.js';
import type { ResultFile } from '../results/types.js';
import { cell, formatStats, intervalLegend, literal, markdownTable } from './format.js';
import { hostDimensions } from './host-dimensions.js';
import { ratioSamples } from './ratios.js';

/** A result file with the name it was given on the command line. */
export interface NamedResult {
  path: string;
  result: ResultFile;
}

/** Files by their names, with as many parent folders as it takes to tell them apart (`lab-a/result.json`). */
export function displayNames(paths: readonly string[]): string[] {
  const parts = paths.map((path) => path.split(/[\\/]+/).filter(Boolean));
  for (let depth = 1; ; depth++) {
    const names = parts.map((segments) => segments.slice(-depth).join('/'));
    if (new Set(names).size === names.length || parts.every((segments) => segments.length <= depth)) return names;
  }
}

function medianCell(entry: Figure | undefined): string {
  const stats = entry ? describe(entry.values) : undefined;
  return stats ? formatStats(stats) : '—';
}

/** Rows of one table: every key in any file; refuses keys whose units differ between files. */
function figureRows(maps: Map<string, Figure>[], names: string[]): string[][] {
  const keys = [...new Set(maps.flatMap((map) => [...map.keys()]))].sort();
  const rows: string[][] = [];
  for (const key of keys) {
    const entries = maps.map((map) => map.get(key));
    const present = entries.filter((entry): entry is Figure => entry !== undefined);
    const units = [...new Set(present.map((entry) => entry.unit))];
    if (units.length > 1) {
      const where = entries
        .map((entry, i) => (entry ? `${entry.unit} in ${names[i]}` : ''))
        .filter(Boolean)
        .join(', ');
      throw new UsageError(`cannot compare ${key}: its unit differs between files (${where})`);
    }
    const sources = [...new Set(present.map((entry) => entry.source))];
    const first = present[0];
    if (!first) continue;
    const cells =
      sources.length > 1
        ? entries.map((entry) => (entry ? `not comparable: ${entry.source}` : '—'))
        : entries.map(medianCell);
    rows.push([cell(key), `${cell(first.unit)}, ${first.direction} is better`, ...cells.map(cell)]);
  }
  return rows;
}

/**
 * `bench compare`, a column per file: aligns 2 or more results by runtime × workload × metric, shows each host's medians and
 * VM/container ratios side by side, and highlights host dimensions that differ.
 */
export function renderComparison(files: readonly NamedResult[]): string {
  if (files.length < 2) throw new UsageError(`bench compare takes 2 or more result files, got ${files.length}`);
  const names = displayNames(files.map((file) => file.path)).map((name, i) => `${i + 1}: ${name}`);
  const short = files.map((_, i) => `#${i + 1}`);
  const dims = files.map((file) => hostDimensions(file.result));
  const lines = [
    '# twinbench comparison',
    '',
    ...names.map((name) => `- ${literal(name)}`),
    '',
    '## Hosts (rows in bold differ)',
    '',
    ...markdownTable(
      ['dimension', ...short],
      Object.keys(dims[0] ?? {}).map((dimension) => {
        const values = dims.map((d) => d[dimension] ?? '');
        const differs = new Set(values).size > 1;
        return [differs ? `**${dimension}**` : dimension, ...values.map((value) => literal(value, true))];
      }),
    ),
  ];
  const arches = new Set(files.map((file) => file.result.config.arch));
  const emulated = files.map((file) => vmEmulated(file.result));
  lines.push('');
  if (emulated.some(Boolean))
    lines.push(
      `> VM figures of ${short.filter((_, i) => emulated[i]).join(', ')} measure emulation (TCG), not virtualization.`,
      '',
    );
  if (arches.size > 1) {
    lines.push(
      `> These results have different guest architectures (${[...arches].join(', ')}): absolute figures are not compared, only ratios.`,
      '',
    );
  } else {
    lines.push(
      '## Figures',
      '',
      intervalLegend,
      '',
      ...markdownTable(
        ['figure', 'unit', ...short],
        figureRows(
          files.map((file) => figuresOf(file.result).shown),
          names,
        ),
      ),
      '',
    );
  }
  lines.push(
    '## Ratios between runtimes (median of per-repetition ratios)',
    '',
    'Keys are `runtime/reference/workload/figure`. A ratio to native is the figure meant for cross-host comparison; until a run measures a native baseline, the VM/container ratio is the comparable one. Each cell: median of the per-repetition ratios [95 % interval] n.',
    '',
    ...markdownTable(
      ['ratio', 'unit', ...short],
      figureRows(
        files.map((file) => ratioSamples(file.result)),
        names,
      ),
    ),
    '',
  );
  return lines.join('\n');
}
