import { parseToolJson, requireFigure, ToolOutputError, type ToolMetric } from './tool-metric.js';

/**
 * wrk's Lua `done` hook, run once at the end: the summary and the exact latency percentiles from wrk's
 * own histogram (µs), as one JSON line after a marker, so its text report needs no scraping.
 */
export const wrkReportScript = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('TWINBENCH-WRK {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

/**
 * Figures of one wrk run from its `TWINBENCH-WRK` line (see wrkReportScript). As hyperfine fails a command
 * that fails, a run with any socket error or non-2xx/3xx answer measured something else than serving:
 * it is an error naming the counts, not figures.
 */
export function parseWrkReport(stdout: string): ToolMetric[] {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('TWINBENCH-WRK '));
  if (!line) throw new ToolOutputError('wrk printed no report line (TWINBENCH-WRK)');
  const report = parseToolJson(line.slice('TWINBENCH-WRK '.length), 'wrk');
  const requests = requireFigure(report.requests, 'wrk requests');
  const seconds = requireFigure(report.duration_us, 'wrk duration_us') / 1e6;
  if (!(seconds > 0)) throw new ToolOutputError('wrk ran for no time');
  const failures = Object.entries({
    status_errors: 'answers not 2xx/3xx',
    connect_errors: 'connect errors',
    read_errors: 'read errors',
    write_errors: 'write errors',
    timeouts: 'timeouts',
  })
    .map(([key, what]) => [requireFigure(report[key], `wrk ${key}`), what] as const)
    .filter(([count]) => count > 0);
  if (requests === 0 || failures.length > 0) {
    throw new ToolOutputError(
      `wrk: ${requests} responses, ${failures.map(([count, what]) => `${count} ${what}`).join(', ') || 'none completed'}`,
    );
  }
  return [
    {
      name: 'http_requests_per_s',
      value: requests / seconds,
      unit: 'req/s',
      source: 'host.wrk.summary.requests/duration',
    },
    {
      name: 'http_latency_p50_ms',
      value: requireFigure(report.p50_us, 'wrk p50_us') / 1000,
      unit: 'ms',
      source: 'host.wrk.latency.percentile(50)',
    },
    {
      name: 'http_latency_p99_ms',
      value: requireFigure(report.p99_us, 'wrk p99_us') / 1000,
      unit: 'ms',
      source: 'host.wrk.latency.percentile(99)',
    },
  ];
}

/**
 * The last line of a `--load-cmd` command's output, as JSON with `requests_per_s`, `latency_p50_ms` and
 * `latency_p99_ms` (numbers): the figures, named as wrk's are.
 */
export function parseLoadCommandOutput(stdout: string): ToolMetric[] {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const report = parseToolJson(last, '--load-cmd (its last line)');
  const names: Record<string, [string, string]> = {
    requests_per_s: ['http_requests_per_s', 'req/s'],
    latency_p50_ms: ['http_latency_p50_ms', 'ms'],
    latency_p99_ms: ['http_latency_p99_ms', 'ms'],
  };
  const figures = Object.entries(names).flatMap(([key, [name, unit]]) =>
    report[key] === undefined
      ? []
      : [{ name, value: requireFigure(report[key], `--load-cmd ${key}`), unit, source: `host.load-cmd.${key}` }],
  );
  if (figures.length === 0)
    throw new ToolOutputError(`--load-cmd's last line names none of ${Object.keys(names).join(', ')}`);
  return figures;
}
