import { ToolOutputError, requireFigure, type ToolMetric } from './tool-metric.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes this strips
const ansi = /\u001b\[[0-9;]*m/g;

/**
 * Latency from `sockperf ping-pong` text output. sockperf reports one-way latency (half the round
 * trip) in µs; it exits 0 even when it could not connect, so an `ERROR:` line or missing
 * percentiles are what tells.
 */
export function parseSockperfPingPong(text: string): ToolMetric[] {
  const clean = text.replace(ansi, '');
  const failure = /sockperf: ERROR: (.*)/.exec(clean);
  if (failure?.[1]) throw new ToolOutputError(`sockperf: ${failure[1].trim()}`);
  const percentiles = new Map<string, number>();
  for (const match of clean.matchAll(/---> percentile ([0-9.]+) =\s*([0-9.]+)/g)) {
    if (match[1] && match[2]) percentiles.set(Number(match[1]).toFixed(3), Number(match[2]));
  }
  const average = /Summary: Latency is ([0-9.]+) usec/.exec(clean)?.[1];
  const observations = /Total (\d+) observations/.exec(clean)?.[1];
  if (average === undefined || !percentiles.has('50.000') || !percentiles.has('99.000')) {
    throw new ToolOutputError('sockperf output has no "Summary: Latency is" line or no 50/99 percentiles');
  }
  if (Number(observations ?? 0) === 0) throw new ToolOutputError('sockperf recorded no observations');
  const source = 'host.sockperf.ping-pong.one-way';
  return [
    {
      name: 'tcp_latency_avg_us',
      value: requireFigure(Number(average), 'sockperf average'),
      unit: 'µs',
      source: `${source}.avg`,
    },
    {
      name: 'tcp_latency_p50_us',
      value: requireFigure(percentiles.get('50.000'), 'sockperf p50'),
      unit: 'µs',
      source: `${source}.p50`,
    },
    {
      name: 'tcp_latency_p99_us',
      value: requireFigure(percentiles.get('99.000'), 'sockperf p99'),
      unit: 'µs',
      source: `${source}.p99`,
    },
  ];
}
