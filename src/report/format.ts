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

/** `median (IQR q1–q3, n=N)` — the spread shown next to every median. */
export function formatStats(stats: Stats | undefined, format: (value: number) => string = formatNumber): string {
  if (!stats) return 'not measured';
  if (stats.n === 1) return `${format(stats.median)} (n=1)`;
  return `${format(stats.median)} (IQR ${format(stats.q1)}–${format(stats.q3)}, n=${stats.n})`;
}

/** Escape a value for a Markdown table cell. */
export function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
