import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equivalence } from '../../../src/report/claims.js';
import type { CompletedTrial } from '../../../src/results/types.js';

test('equivalence within ±5 %: the 90 % interval inside the margin; different only when the 95 % interval is wholly outside', () => {
  // Ten repetitions within 2 % of parity: equivalent.
  assert.equal(equivalence([0.99, 1.01, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.02], 0.05), 'equivalent');
  // Clearly 20 % dearer: different.
  assert.equal(equivalence([1.19, 1.21, 1.2, 1.22, 1.18, 1.2, 1.21, 1.19, 1.2, 1.22], 0.05), 'different');
  // Centred on parity but too noisy to say either: undecided, not "about the same".
  assert.equal(equivalence([0.8, 1.2, 0.9, 1.1, 1.0, 0.85, 1.15, 0.95, 1.05, 1.0], 0.05), 'undecided');
  // Four repetitions allow no interval at all.
  assert.equal(equivalence([1, 1, 1, 1], 0.05), 'undecided');
});

test('memory access and kernel work: a VM paying 3× on random writes and reads and 2× on processes and page faults supports the claims; under TCG they are not judged', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { packageRoot } = await import('../../../src/paths.js');
  const { parseResult } = await import('../../../src/results/read.js');
  const { judgeClaims, claimSources } = await import('../../../src/report/claims.js');
  const result = parseResult(
    readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'),
    'quick-v1.json',
  );
  // The recorded cpu trials, relabelled as trials of workloads with other names ("mem", "sys": claims ask for a
  // figure's source, not a workload's name) with known figures: test data for the judging rule.
  const cpu = result.trials.filter(
    (trial): trial is CompletedTrial => trial.workload === 'cpu' && trial.state === 'completed',
  );
  const figures = {
    mem: [claimSources.randomWrites, claimSources.reads],
    sys: [claimSources.processes, claimSources.pageFaults],
  } as const;
  for (const [workload, names] of Object.entries(figures)) {
    for (let rep = 1; rep <= 8; rep++) {
      for (const trial of cpu.slice(0, 2)) {
        const vm = trial.runtime === 'qemu';
        const slower = workload === 'mem' ? 3 : 2;
        const value = (base: number) => (vm ? base / slower : base) * (1 + 0.01 * ((rep % 3) - 1));
        result.trials.push({
          ...structuredClone(trial),
          trialId: `${trial.runtime}-${workload}-${rep}`,
          workload,
          rep,
          metrics: names.map((source) => ({
            name: source.replaceAll(/[^a-z]+/g, '_'),
            value: value(1000),
            unit: 'x/s',
            // As runs record it: the manifest's source qualified by the parameters used.
            source: `${source}.block_256M.thp_never`,
            direction: 'higher' as const,
          })),
        });
      }
    }
  }
  const judged = (emulated: boolean) => {
    const copy = structuredClone(result);
    for (const runtime of Object.values(copy.runtimes))
      if (runtime.kind === 'vm') (runtime as { emulated: boolean }).emulated = emulated;
    return judgeClaims(copy);
  };
  const claim = (list: ReturnType<typeof judgeClaims>, start: string) =>
    list.find((entry) => entry.claim.startsWith(start))!;
  const kvm = judged(false);
  assert.equal(
    claim(kvm, 'VMs pay more on memory access').verdict,
    'supported',
    claim(kvm, 'VMs pay more on memory access').evidence,
  );
  assert.match(
    claim(kvm, 'VMs pay more on memory access').evidence,
    /VM vs container 3\.0\d*× .*mem: random writes over 256 MiB/,
  );
  assert.equal(claim(kvm, 'VMs pay more on kernel work').verdict, 'supported');
  assert.equal(claim(judged(true), 'VMs pay more on kernel work').verdict, 'not measurable on this host');
});

test('every figure a claim judges is declared, with that source, by a workload of workloads/', async () => {
  const { claimSources } = await import('../../../src/report/claims.js');
  const { loadWorkloads } = await import('../../../src/config/workload-manifest.js');
  const { join } = await import('node:path');
  const { packageRoot } = await import('../../../src/paths.js');
  const declared = new Set(
    [...loadWorkloads(join(packageRoot, 'workloads')).values()].flatMap((manifest) =>
      manifest.metrics.map((metric) => metric.source),
    ),
  );
  for (const [claim, source] of Object.entries(claimSources)) assert.ok(declared.has(source), `${claim}: ${source}`);
});
