import { ToolOutputError, metricStem, requireFigure, type ToolMetric } from './tool-metric.js';

/** The columns redis-benchmark 7 writes with `--csv`, and the unit of each figure we keep. */
const kept = [
  { column: 'rps', suffix: 'requests_per_s', unit: 'requests/s' },
  { column: 'p50_latency_ms', suffix: 'p50_ms', unit: 'ms' },
  { column: 'p99_latency_ms', suffix: 'p99_ms', unit: 'ms' },
] as const;

function cells(line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^"|"$/g, ''));
}

/** Figures from `redis-benchmark --csv`: per test (SET, GET…) requests/s and p50/p99 latency. */
export function parseRedisBenchmarkCsv(text: string): ToolMetric[] {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('"'));
  const header = lines[0] ? cells(lines[0]) : [];
  if (header[0] !== 'test') throw new ToolOutputError('redis-benchmark output has no CSV header starting with "test"');
  const columns = kept.map((k) => ({ ...k, index: header.indexOf(k.column) }));
  const absent = columns.filter((c) => c.index < 0).map((c) => c.column);
  if (absent.length) throw new ToolOutputError(`redis-benchmark CSV lacks column(s) ${absent.join(', ')}`);
  const metrics: ToolMetric[] = [];
  for (const line of lines.slice(1)) {
    const row = cells(line);
    const test = row[0] ?? '';
    for (const column of columns) {
      const cell = row[column.index];
      const value = requireFigure(
        cell === undefined || cell === '' ? Number.NaN : Number(cell),
        `redis-benchmark ${test} ${column.column}`,
      );
      if (column.column === 'rps' && value === 0) throw new ToolOutputError(`redis-benchmark ${test}: 0 requests/s`);
      metrics.push({
        name: `${metricStem(test)}_${column.suffix}`,
        value,
        unit: column.unit,
        source: `host.redis-benchmark.${test}.${column.column}`,
      });
    }
  }
  if (metrics.length === 0) throw new ToolOutputError('redis-benchmark CSV has no result rows');
  return metrics;
}
