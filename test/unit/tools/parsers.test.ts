import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFioJson } from '../../../src/tools/fio.js';
import { parseIperf3Json } from '../../../src/tools/iperf3.js';
import { parseRedisBenchmarkCsv } from '../../../src/tools/redis-benchmark.js';
import { parseSockperfPingPong } from '../../../src/tools/sockperf.js';
import { ToolOutputError, type ToolMetric } from '../../../src/tools/tool-metric.js';
import { fixture } from '../../helpers.js';

const dir = 'tools';
const byName = (metrics: ToolMetric[]) => new Map(metrics.map((m) => [m.name, m]));

test('fio: the three jobs of workloads/disk/jobs.fio give IOPS, MiB/s and latency percentiles that agree', () => {
  const metrics = byName(parseFioJson(fixture(dir, 'fio-jobs.json')));
  for (const [job, blockKiB] of [
    ['randread_4k', 4],
    ['randwrite_4k', 4],
    ['seqwrite_1m', 1024],
  ] as const) {
    const iops = metrics.get(`${job}_iops`);
    const bandwidth = metrics.get(`${job}_mib_per_s`);
    assert.ok(iops && bandwidth, job);
    assert.equal(iops.unit, 'IOPS');
    assert.equal(bandwidth.unit, 'MiB/s');
    // IOPS × block size = bandwidth (within 1 %: fio rounds bw to whole KiB/s).
    const expected = (iops.value * blockKiB) / 1024;
    assert.ok(Math.abs(bandwidth.value - expected) / expected < 0.01, `${job}: ${bandwidth.value} vs ${expected}`);
    const p50 = metrics.get(`${job}_clat_p50_us`)!.value;
    const p99 = metrics.get(`${job}_clat_p99_us`)!.value;
    assert.ok(p50 > 0 && p99 >= p50, `${job}: p50 ${p50} p99 ${p99}`);
  }
  // Only the direction that moved data is reported.
  assert.equal(metrics.has('randread_4k_write_iops'), false);
  assert.equal(metrics.get('randread_4k_iops')!.source, 'guest.fio.randread-4k.read.iops');
});

test('fio: a failed job, no jobs, or a job that moved nothing is an error, never a zero', () => {
  const original = JSON.parse(fixture(dir, 'fio-jobs.json'));
  const failed = structuredClone(original);
  failed.jobs[1].error = 5;
  assert.throws(() => parseFioJson(JSON.stringify(failed)), /randwrite-4k failed with error 5/);
  const idle = structuredClone(original);
  idle.jobs[0].read.io_bytes = 0;
  assert.throws(() => parseFioJson(JSON.stringify(idle)), /randread-4k moved no data/);
  assert.throws(() => parseFioJson('{"jobs": []}'), /no jobs/);
  assert.throws(() => parseFioJson('fio: pid=12, err=2/file:filesetup.c'), ToolOutputError);
  // The agent sends the JSON on one line with runs of spaces squeezed: that must parse the same.
  const oneLine = fixture(dir, 'fio-jobs.json').replace(/\n/g, '').replace(/ +/g, ' ');
  assert.deepEqual(parseFioJson(oneLine), parseFioJson(fixture(dir, 'fio-jobs.json')));
});

test('iperf3: receiver throughput in Gbit/s for both directions; a refused connection is an error', () => {
  const rx = byName(parseIperf3Json(fixture(dir, 'iperf3-forward.json'), 'rx'));
  const tx = byName(parseIperf3Json(fixture(dir, 'iperf3-reverse.json'), 'tx'));
  const forward = JSON.parse(fixture(dir, 'iperf3-forward.json'));
  assert.equal(rx.get('tcp_rx_gbit_per_s')!.value, forward.end.sum_received.bits_per_second / 1e9);
  assert.ok(tx.get('tcp_tx_gbit_per_s')!.value > 0);
  assert.equal(rx.get('tcp_rx_gbit_per_s')!.unit, 'Gbit/s');
  // iperf3 exits 0 here: only the error field tells.
  assert.throws(
    () => parseIperf3Json(fixture(dir, 'iperf3-refused.json'), 'rx'),
    /iperf3: unable to connect to server: Connection refused/,
  );
});

test('sockperf: one-way latency average and percentiles in µs; a refused connection is an error', () => {
  const metrics = byName(parseSockperfPingPong(fixture(dir, 'sockperf-pingpong.txt')));
  assert.equal(metrics.get('tcp_latency_avg_us')!.value, 32.708);
  assert.equal(metrics.get('tcp_latency_p50_us')!.value, 29.934);
  assert.equal(metrics.get('tcp_latency_p99_us')!.value, 59.628);
  assert.throws(
    () => parseSockperfPingPong(fixture(dir, 'sockperf-refused.txt')),
    /Can`t connect socket \(errno=111 Connection refused\)/,
  );
  assert.throws(() => parseSockperfPingPong(''), ToolOutputError);
});

test('redis-benchmark: requests/s and p50/p99 per test from --csv; damaged rows are errors', () => {
  const metrics = byName(parseRedisBenchmarkCsv(fixture(dir, 'redis-benchmark.csv')));
  assert.equal(metrics.get('set_requests_per_s')!.value, 56818.18);
  assert.equal(metrics.get('get_p99_ms')!.value, 0.423);
  assert.equal(metrics.get('get_p50_ms')!.unit, 'ms');
  assert.throws(() => parseRedisBenchmarkCsv(''), /no CSV header/);
  const header = fixture(dir, 'redis-benchmark.csv').split('\n')[0]!;
  assert.throws(() => parseRedisBenchmarkCsv(header), /no result rows/);
  assert.throws(() => parseRedisBenchmarkCsv(`${header}\n"GET","","","","","","",""`), /GET rps/);
  assert.throws(
    () => parseRedisBenchmarkCsv(`${header}\n"GET","0.00","0.1","0.1","0.1","0.1","0.1","0.1"`),
    /0 requests\/s/,
  );
});
