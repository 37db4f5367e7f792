import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkImageRunFlags, imageWorkload } from '../../../src/config/image-workload.js';

const problemsOf = (flags: Parameters<typeof checkImageRunFlags>[0]) => {
  const problems: string[] = [];
  checkImageRunFlags(flags, problems);
  return problems;
};

test('image flags: every problem named at once; none of them without --image', () => {
  assert.deepEqual(problemsOf({ readyPort: '80', loadCmd: 'x' }), [
    '--ready-port needs --image',
    '--load-cmd needs --image',
  ]);
  assert.deepEqual(
    problemsOf({
      image: 'x',
      workloads: 'cpu',
      readyPort: '70000',
      readyHttp: 'health',
      readyLog: '(',
      loadCmd: 'hey {host}',
    }),
    [
      '--image runs the image as the one workload: leave out --workloads',
      '--ready-port must be a whole number from 1 to 65535, got "70000"',
      '--ready-http must be a URL path starting with /, got "health"',
      '--ready-log is not a regular expression: Invalid regular expression: /(/: Unterminated group',
      '--ready-log excludes --ready-port and --ready-http (one definition of ready)',
      '--load-cmd must contain {port} (and usually {host}), where the image is reached',
    ],
  );
  assert.deepEqual(problemsOf({ image: 'nginx:1', readyHttp: '/healthz', loadDuration: '0' }), []);
});

test('the workload takes the one port the image exposes, or --ready-port; a choice it cannot make is an error', () => {
  const nginx = imageWorkload({ image: 'nginx:1' }, [80]);
  assert.deepEqual(nginx.ports, { service: 80 });
  assert.deepEqual(nginx.image, {
    readiness: { kind: 'port', port: 80 },
    load: { kind: 'http', port: 80, path: '/', durationSeconds: 10, connections: 16 },
  });
  assert.equal(nginx.hostClient, 'http');
  assert.deepEqual(
    nginx.metrics.map((m) => [m.name, m.keyFigure === true]),
    [
      ['http_requests_per_s', true],
      ['http_latency_p50_ms', true],
      ['http_latency_p99_ms', false],
      ['load_client_cpu_seconds', false],
    ],
  );
  const http = imageWorkload(
    { image: 'x', readyPort: '8080', readyHttp: '/ok', loadPath: '/big', loadConnections: '4' },
    [80, 443],
  );
  assert.deepEqual(http.image?.readiness, { kind: 'http', port: 8080, path: '/ok' });
  assert.deepEqual(http.image?.load, { kind: 'http', port: 8080, path: '/big', durationSeconds: 10, connections: 4 });
  assert.throws(
    () => imageWorkload({ image: 'x' }, [80, 443]),
    /exposes 2 TCP ports \(80, 443\): say which one with --ready-port/,
  );
  assert.throws(() => imageWorkload({ image: 'x' }, []), /exposes no TCP port/);
  // Ready on a log line without load needs no port and no network.
  const quiet = imageWorkload({ image: 'x', readyLog: 'started', loadDuration: '0' }, []);
  assert.equal(quiet.network, false);
  assert.equal(quiet.hostClient, undefined);
  assert.deepEqual(quiet.metrics, []);
});
