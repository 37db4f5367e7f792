import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLoadCommandOutput, parseWrkReport } from '../../../src/tools/wrk.js';
import { fixture } from '../../helpers.js';

// Recorded on the dev host (Debian 12, wrk 4.1.0) against busybox httpd with src/tools/wrk.ts's script.
test('wrk: requests/s from its summary and the exact p50/p99 of its histogram, in ms', () => {
  const figures = new Map(parseWrkReport(fixture('tools', 'wrk-report.txt')).map((f) => [f.name, f]));
  assert.ok(Math.abs((figures.get('http_requests_per_s')?.value ?? 0) - 3245 / 1.099999) < 0.01);
  assert.equal(figures.get('http_latency_p50_ms')?.value, 1.031);
  assert.equal(figures.get('http_latency_p99_ms')?.unit, 'ms');
});

test('wrk: a run with error answers or socket errors is an error naming the counts, not figures', () => {
  assert.throws(
    () => parseWrkReport(fixture('tools', 'wrk-report-404.txt')),
    /1692 responses, 1692 answers not 2xx\/3xx, 1692 read errors/,
  );
  assert.throws(() => parseWrkReport('Running 1s test\n'), /no report line/);
});

test('--load-cmd: the last line is JSON naming the figures', () => {
  const figures = parseLoadCommandOutput(
    'warming up\n{"requests_per_s": 1200.5, "latency_p50_ms": 2, "latency_p99_ms": 9.5}\n',
  );
  assert.deepEqual(
    figures.map((f) => [f.name, f.value, f.source]),
    [
      ['http_requests_per_s', 1200.5, 'host.load-cmd.requests_per_s'],
      ['http_latency_p50_ms', 2, 'host.load-cmd.latency_p50_ms'],
      ['http_latency_p99_ms', 9.5, 'host.load-cmd.latency_p99_ms'],
    ],
  );
  assert.throws(() => parseLoadCommandOutput('done\n'), /not JSON/);
  assert.throws(() => parseLoadCommandOutput('{"rps": 1}'), /names none of requests_per_s/);
});
