import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { resolveSuite } from '../../../src/config/resolve-suite.js';
import { loadWorkloads, validateManifest } from '../../../src/config/workload-manifest.js';
import { TwinbenchError, UsageError } from '../../../src/errors.js';
import { packageRoot, workloadsDir } from '../../../src/paths.js';
import { parseResult } from '../../../src/results/read.js';

// A fixed seed: the same inputs every run, and fast-check prints the seed and path of any failure to replay it.
fc.configureGlobal({ seed: 20261205 });

const manifests = loadWorkloads(workloadsDir);
const hostile = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '-1',
    '0',
    '1e309',
    '99999999999999999999',
    '1.5',
    ' 3',
    'NaN',
    '',
    ' ',
    '"; rm -rf /',
    'a b',
    "it's",
    '$(reboot)',
    'x'.repeat(5000),
    'docker,',
    ',',
    'qemu,qemu',
  ),
);

test('any combination of hostile flag values gives a valid config or one UsageError naming the flag', () => {
  fc.assert(
    fc.property(
      fc.record(
        {
          runtimes: hostile,
          workloads: hostile,
          reps: hostile,
          vcpus: hostile,
          memory: hostile,
          interval: hostile,
          readyTimeout: hostile,
          accel: hostile,
          warmup: hostile,
        },
        { requiredKeys: [] },
      ),
      (flags) => {
        try {
          const config = resolveSuite(flags, manifests, 'amd64');
          assert.ok(config.vcpus >= 1 && config.memoryMiB >= 64 && config.workloads.every((w) => w.reps >= 1));
        } catch (error) {
          assert.ok(error instanceof UsageError, String(error));
          assert.equal(error.exitCode, 2);
          assert.match(error.message, /--(runtimes|workloads|reps|vcpus|memory|interval|ready-timeout|accel|warmup)/);
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test('any JSON value as a workload manifest: valid, or every problem named with the file', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      for (const problem of validateManifest(value, 'cpu')) assert.match(problem, /^workloads\/cpu\/manifest\.json: /);
    }),
    { numRuns: 2000 },
  );
});

const sample = readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8');

test('the result reader: a truncated, mutated or random file is either read or refused with a UsageError naming it', () => {
  const mutations = fc.oneof(
    fc.nat({ max: sample.length }).map((n) => sample.slice(0, n)),
    fc
      .tuple(fc.nat({ max: sample.length - 1 }), fc.string({ maxLength: 5 }))
      .map(([at, junk]) => sample.slice(0, at) + junk + sample.slice(at + 1)),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.string(),
  );
  fc.assert(
    fc.property(mutations, (text) => {
      try {
        parseResult(text, 'r.json');
      } catch (error) {
        assert.ok(error instanceof TwinbenchError && error.exitCode === 2, String(error));
        assert.match(error.message, /^r\.json: /);
        assert.ok(!error.message.includes('\n'));
      }
    }),
    { numRuns: 1500 },
  );
  assert.equal(parseResult(sample, 'r.json').schemaVersion, 2);
});
