import { ToolOutputError, parseToolJson, requireFigure, type ToolMetric } from './tool-metric.js';

/**
 * Throughput from `iperf3 --json` (iperf3 exits 0 even when it could not connect, so its `error`
 * field is what tells). `direction` names the metric: `rx` = host → guest, `tx` = guest → host (-R).
 * The receiver's figure is used: it is what arrived.
 */
export function parseIperf3Json(text: string, direction: 'rx' | 'tx'): ToolMetric[] {
  const root = parseToolJson(text, 'iperf3');
  if (typeof root.error === 'string') throw new ToolOutputError(`iperf3: ${root.error}`);
  const end = root.end as Record<string, unknown> | undefined;
  const received = end?.sum_received as Record<string, unknown> | undefined;
  const sent = end?.sum_sent as Record<string, unknown> | undefined;
  if (!received || !sent) throw new ToolOutputError('iperf3 output has no end.sum_received / end.sum_sent');
  const bitsPerSecond = requireFigure(received.bits_per_second, 'iperf3 end.sum_received.bits_per_second');
  if (bitsPerSecond === 0) throw new ToolOutputError('iperf3 received nothing');
  const metrics: ToolMetric[] = [
    {
      name: `tcp_${direction}_gbit_per_s`,
      value: bitsPerSecond / 1e9,
      unit: 'Gbit/s',
      source: `host.iperf3.${direction}.sum_received.bits_per_second`,
    },
  ];
  if (typeof sent.retransmits === 'number') {
    metrics.push({
      name: `tcp_${direction}_retransmits`,
      value: requireFigure(sent.retransmits, 'iperf3 retransmits'),
      unit: 'segments',
      source: `host.iperf3.${direction}.sum_sent.retransmits`,
    });
  }
  return metrics;
}
