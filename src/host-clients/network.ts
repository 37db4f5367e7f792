import { parseIperf3Json } from '../tools/iperf3.js';
import { parseSockperfPingPong } from '../tools/sockperf.js';
import type { ToolMetric } from '../tools/tool-metric.js';
import { endpointOf, numberParam, type HostClientContext } from './context.js';
import { runClient } from './run-client.js';

/**
 * The `network` workload's host side: iperf3 host → guest (rx) and guest → host (tx, `-R`), then
 * sockperf ping-pong for request/response latency, one after the other on the same path.
 */
export async function runNetworkClient(context: HostClientContext): Promise<ToolMetric[]> {
  const iperf = endpointOf(context, 'iperf3');
  const sockperf = endpointOf(context, 'sockperf');
  const seconds = numberParam(context, 'duration_s', 5);
  const timing = { timeoutMs: (seconds + 31) * 1000, signal: context.signal };
  // -O 1: the first second (TCP slow start) is run but left out of the figure: iperf3's own warm-up.
  const iperfArgs = [
    '-c',
    iperf.host,
    '-p',
    String(iperf.port),
    '-t',
    String(seconds),
    '-O',
    '1',
    '--connect-timeout',
    '10000',
    '--json',
  ];
  const keep = (source: string) => ({ ...timing, keep: (text: string) => context.keepEvidence?.(source, text) });
  const rx = await runClient('iperf3', iperfArgs, keep('host.iperf3.rx'), (out) => parseIperf3Json(out, 'rx'));
  const tx = await runClient('iperf3', [...iperfArgs, '-R'], keep('host.iperf3.tx'), (out) =>
    parseIperf3Json(out, 'tx'),
  );
  const latency = await runClient(
    'sockperf',
    [
      'ping-pong',
      '--tcp',
      '-i',
      sockperf.host,
      '-p',
      String(sockperf.port),
      '-t',
      String(seconds),
      '-m',
      String(numberParam(context, 'message_bytes', 64)),
    ],
    keep('host.sockperf'),
    parseSockperfPingPong,
  );
  return [...rx, ...tx, ...latency];
}
