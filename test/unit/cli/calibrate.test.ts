import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { proposeThresholds } from '../../../src/cli/calibrate.js';
import { packageRoot } from '../../../src/paths.js';
import { parseResult } from '../../../src/results/read.js';
import type { ResultFile } from '../../../src/results/types.js';

/** A real quick run recorded on a v1 host (a schema v1 file, read through the migration): docker and qemu, idle and cpu. */
const recorded = (): ResultFile => parseResult(readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'), 'quick-v1.json');

test('calibrate: the threshold is the A/A drift of the mean (at least 2 %), for absolute and ratio keys alike', () => {
  const a = recorded();
  const b = recorded();
  // The second run's VMs booted 7.2 % slower on average: that drift, rounded up to 0.5 %, is the threshold.
  for (const trial of b.trials) if (trial.runtime === 'qemu' && trial.state === 'completed') trial.boot.bootToReadyMs *= 1.072;
  const { thresholds, drift } = proposeThresholds(a, b);
  assert.equal(thresholds['qemu/idle/boot.bootToReadyMs'], 0.075);
  assert.ok(Math.abs((drift['qemu/idle/boot.bootToReadyMs'] ?? 0) - 0.072) < 1e-9);
  // No drift at all still leaves the 2 % floor.
  assert.equal(thresholds['docker/idle/boot.bootToReadyMs'], 0.02);
  // The cross-host ratio keys are calibrated too (the VM over the container, named by runtime).
  assert.ok((thresholds['qemu/docker/idle/boot.bootToReadyMs'] ?? 0) >= 0.07, JSON.stringify(Object.keys(thresholds)));
});
