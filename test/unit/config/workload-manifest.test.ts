import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadWorkloads, validateManifest } from '../../../src/config/workload-manifest.js';
import { workloadsDir } from '../../../src/paths.js';

test('the shipped workloads are valid and declare their metrics with units', () => {
  const manifests = loadWorkloads(workloadsDir);
  assert.ok(manifests.has('idle') && manifests.has('cpu'));
  assert.deepEqual(
    manifests.get('cpu')?.metrics.map((m) => [m.name, m.unit, m.direction]),
    [['events_per_s', 'events/s', 'higher']],
  );
});

test('a broken manifest reports every problem, naming the file and the key', () => {
  const problems = validateManifest(
    { name: 'other', params: { 'BAD KEY': 1, ok: [] }, metrics: [{ name: '', direction: 'up' }], timeoutSeconds: -1 },
    'cpu',
  );
  const text = problems.join('\n');
  assert.match(text, /workloads\/cpu\/manifest.json: "name" must be "cpu"/);
  assert.match(text, /"description" must be a string/);
  assert.match(text, /"network" must be true or false/);
  assert.match(text, /"timeoutSeconds" must be a number in \(0, 86400\], got -1/);
  assert.match(text, /param key "BAD KEY"/);
  assert.match(text, /param "ok" must be a string or number/);
  assert.match(text, /metrics\[0\]\.name must be a non-empty string/);
  assert.match(text, /metrics\[0\]\.direction must be "higher" or "lower"/);
});

test('adding a workload is a folder with a manifest and run.sh; a folder without run.sh is refused', () => {
  const root = mkdtempSync(join(tmpdir(), 'twinbench-wl-'));
  const manifest = { name: 'noop', description: 'x', params: {}, metrics: [], network: false, timeoutSeconds: 5 };
  mkdirSync(join(root, 'noop'));
  writeFileSync(join(root, 'noop', 'manifest.json'), JSON.stringify(manifest));
  assert.throws(() => loadWorkloads(root), /workloads\/noop: run.sh is missing/);
  writeFileSync(join(root, 'noop', 'run.sh'), 'true\n');
  assert.deepEqual([...loadWorkloads(root).keys()], ['noop']);
  writeFileSync(join(root, 'noop', 'manifest.json'), '{"name": "noop",');
  assert.throws(() => loadWorkloads(root), /workloads\/noop\/manifest.json: not valid JSON/);
});

test('serving workloads need a network, a control port and a host client; scratch needs a size', () => {
  const base = { name: 'srv', description: 'x', params: {}, metrics: [], timeoutSeconds: 5 };
  const text = (m: object) => validateManifest({ ...base, ...m }, 'srv').join('\n');
  assert.match(text({ network: false, ports: { redis: 6379 }, hostClient: 'redis' }), /needs a "control" port/);
  assert.match(
    text({ network: false, ports: { redis: 6379, control: 7999 }, hostClient: 'redis' }),
    /"ports" needs "network": true/,
  );
  assert.match(text({ network: true, ports: { redis: 6379, control: 7999 } }), /"ports" needs a "hostClient"/);
  assert.match(
    text({ network: true, ports: { redis: 70000, control: 7999 }, hostClient: 'redis' }),
    /port "redis" must be an integer in 1..65535, got 70000/,
  );
  assert.match(
    text({ network: true, ports: { control: 7999 }, hostClient: 'ftp' }),
    /"hostClient" must be one of network, redis, got "ftp"/,
  );
  assert.match(text({ network: false, hostClient: 'redis' }), /"hostClient" needs "ports"/);
  assert.match(text({ network: false, scratch: true }), /"scratch": true needs a "size_mib" param/);
  assert.equal(text({ network: true, ports: { redis: 6379, control: 7999 }, hostClient: 'redis' }), '');
});

test('the shipped disk, network and redis workloads load', () => {
  const manifests = loadWorkloads(workloadsDir);
  assert.equal(manifests.get('disk')?.scratch, true);
  assert.equal(manifests.get('network')?.hostClient, 'network');
  assert.deepEqual(manifests.get('redis')?.ports, { redis: 6379, control: 7999 });
});
