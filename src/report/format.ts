import type { Stats } from '../results/stats.js';

/** Format a number with sensible precision for tables. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** Format bytes as MiB with one decimal. */
export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `[low, high]`: a 95 % interval, or `[—]` where the sample is too small for one (see `intervalLegend`). */
export function formatInterval(
  interval: { low: number; high: number } | undefined,
  format: (value: number) => string = formatNumber,
): string {
  return interval ? `[${format(interval.low)}, ${format(interval.high)}]` : '[—]';
}

/** `median [95 % CI] n=N`: the interval shown next to every median. */
export function formatStats(stats: Stats | undefined, format: (value: number) => string = formatNumber): string {
  if (!stats) return 'not measured';
  return `${format(stats.median)} ${formatInterval(stats.ci95, format)} n=${stats.n}`;
}

/** The line under every table of medians that says how to read them. */
export const intervalLegend =
  'Each cell: median [95 % confidence interval of the median] n = repetitions. The interval is two order statistics of the repetitions (exact for any distribution); [—] where fewer than 6 repetitions allow none.';

/** Escape a value for a Markdown table cell. */
export function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/**
 * Text we did not write (a host name, a note, a guest's error line, a file name from another host) as a
 * Markdown code span: shown as the characters it holds, never a link, image, heading, emphasis, HTML or a
 * line that reads as ours. The fence is one backtick longer than any run of backticks in the text, line
 * breaks become spaces, and in a table cell (`inTable`) a `|` is escaped, which GFM undoes inside the span.
 */
export function literal(text: string, inTable = false): string {
  const flat = text.replace(/[\r\n\u2028\u2029]+/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad =
    flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '')
      ? ' '
      : '';
  // GFM splits a row at a `|` after an even run of backslashes: each `|` gets one, and an odd run before it one
  // more (the only case where the cell shows a character, one backslash, that the text did not hold).
  const body = inTable ? flat.replace(/(\\*)\|/g, (_, run: string) => `${run}${run.length % 2 ? '\\' : ''}\\|`) : flat;
  return flat === '' ? '' : `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * A Markdown table: the header row, its separator and one line per row, every cell as given (escape text with
 * `cell` or `literal` first). Every table twinbench writes is made here.
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)];
}
