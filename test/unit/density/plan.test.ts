import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDensityMemory, densitySteps, parseMemAvailable } from '../../../src/density/plan.js';
import { UsageError } from '../../../src/errors.js';

test('steps double up to N and end at N', () => {
  assert.deepEqual(densitySteps(1), [1]);
  assert.deepEqual(densitySteps(4), [1, 2, 4]);
  assert.deepEqual(densitySteps(10), [1, 2, 4, 8, 10]);
});

test('MemAvailable is read in bytes; absent means unknown', () => {
  assert.equal(parseMemAvailable('MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n'), 20000000 * 1024);
  assert.equal(parseMemAvailable('MemTotal: 1 kB\n'), undefined);
});

test('a count whose limits would exhaust the host is refused, naming the numbers', () => {
  const available = 8 * 2 ** 30;
  checkDensityMemory(10, 512, 'container', available);
  assert.throws(
    () => checkDensityMemory(20, 512, 'vm', available),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(
        error.message,
        /--count 20 would exhaust this host's memory: 20 × 576 MiB = 11520 MiB, but only 6553 MiB/,
      );
      return true;
    },
  );
});
