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
export function formatInterval(interval: { low: number; high: number } | undefined, format: (value: number) => string = formatNumber): string {
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
