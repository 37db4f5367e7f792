import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { measureRunNoise } from '../../../src/cli/calibrate.js';
import { packageRoot } from '../../../src/paths.js';
import { parseResult } from '../../../src/results/read.js';
import type { ResultFile } from '../../../src/results/types.js';

/** A real quick run recorded on a v1 host (a schema v1 file, read through the migration): docker and qemu, idle and cpu. */
const recorded = (): ResultFile =>
  parseResult(readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'), 'quick-v1.json');

test("calibrate: run-to-run noise over A/A runs, split from the trials' own spread, and thresholds of 2.5 run-to-run sd (at least 2 %)", () => {
  // Five runs whose VMs boot at levels 4 % apart from run to run (a run's own state), the containers identically.
  const levels = [1, 1.04, 0.96, 1.02, 0.98];
  const runs = levels.map((level) => {
    const run = recorded();
    for (const trial of run.trials)
      if (trial.runtime === 'qemu' && trial.state === 'completed') trial.boot.bootToReadyMs *= level;
    return run;
  });
  const noise = measureRunNoise(runs);
  const qemu = noise['qemu/idle/boot.bootToReadyMs']!;
  assert.equal(qemu.runs, 5);
  // sd of the levels [1, 1.04, 0.96, 1.02, 0.98] is 3.16 %: 2.5 × that, rounded up to 0.5 %, is 8 %.
  assert.ok(Math.abs(qemu.runMediansSd - 0.0316) < 0.001, `${qemu.runMediansSd}`);
  assert.equal(qemu.threshold, 0.08);
  // The recording's two idle boots per run differ by more than 4 %: its trials explain the levels' spread, the between-run part may be 0.
  assert.ok(qemu.betweenSd >= 0 && qemu.betweenSd <= qemu.runMediansSd && (qemu.withinSd ?? 0) > 0);
  // No run-to-run spread at all still leaves the 2 % floor, and the trials' own spread is reported beside it.
  const docker = noise['docker/idle/boot.bootToReadyMs']!;
  assert.equal(docker.runMediansSd, 0);
  assert.equal(docker.threshold, 0.02);
  assert.ok((docker.withinSd ?? 0) > 0);
  // The cross-host ratio keys are calibrated too (the VM over the container, named by runtime).
  assert.ok((noise['qemu/docker/idle/boot.bootToReadyMs']?.threshold ?? 0) >= 0.07, JSON.stringify(Object.keys(noise)));
});
