import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { hostDimensions } from '../../../src/report/host-dimensions.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { parseResult } from '../../../src/results/read.js';
import { factsOf, runtimeFacts } from '../../../src/results/runtime-facts.js';
import type { ResultFile } from '../../../src/results/types.js';
import { runtimeTable } from '../../../src/runtimes/table.js';

/** A recorded result (test/fixtures/results) with these runtime records and no trial: what the facts are read from. */
function resultWith(runtimes: ResultFile['runtimes']): ResultFile {
  const recorded = join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json');
  const result = parseResult(readFileSync(recorded, 'utf8'), recorded);
  return {
    ...result,
    runtimes,
    config: { ...result.config, runtimes: Object.keys(runtimes) },
    warmups: [],
    trials: [],
  };
}

const dockerInfo = { engineVersion: '20.10.24', ociRuntime: 'runc', shim: 'containerd-shim', image: 'tb:1' };

test('a runtime shows the facts it declares, in its order, only those its info holds', () => {
  assert.deepEqual(
    factsOf(
      [
        { key: 'lxcVersion', name: 'LXC', version: true },
        { key: 'absent', name: 'absent' },
        { key: 'cpus', name: 'CPUs' },
      ],
      { cpus: 2, lxcVersion: '5.0.2', other: 'x' },
    ),
    [
      { key: 'lxcVersion', name: 'LXC', value: '5.0.2', version: true },
      { key: 'cpus', name: 'CPUs', value: '2' },
    ],
  );
});

test('a file from before runtimes declared facts shows what twinbench showed then; a file with facts shows its own', () => {
  const old = resultWith({ docker: { kind: 'container', label: 'Docker (runc)', emulated: false, info: dockerInfo } });
  assert.deepEqual(
    runtimeFacts(old, 'docker').map((fact) => `${fact.name}=${fact.value}`),
    ['engine=20.10.24', 'OCI runtime=runc', 'image=tb:1'],
  );
  const declared = resultWith({
    lxc: {
      kind: 'container',
      label: 'LXC',
      emulated: false,
      info: { lxcVersion: '5.0.2' },
      facts: [{ key: 'lxcVersion', name: 'LXC', value: '5.0.2', version: true }],
    },
  });
  assert.match(renderMarkdown(declared), /^container: LXC: LXC `5\.0\.2`\.$/m);
  assert.deepEqual(runtimeFacts(declared, 'missing'), []);
});

test("every runtime in the table declares its facts as its backend's info keys, and the Markdown line of a record made the new way reads as the old one did", () => {
  // What each backend records (the keys the legacy line showed): a record with declared facts renders the same line.
  const info = { ...dockerInfo, cgroupDriver: 'cgroupfs', storageDriver: 'overlay2' };
  const docker = runtimeTable.find((runtime) => runtime.name === 'docker');
  assert.ok(docker?.facts);
  const before = resultWith({ docker: { kind: 'container', label: 'Docker (runc)', emulated: false, info } });
  const after = resultWith({
    docker: { kind: 'container', label: 'Docker (runc)', emulated: false, info, facts: factsOf(docker.facts, info) },
  });
  assert.equal(renderMarkdown(after), renderMarkdown(before));
  for (const runtime of runtimeTable)
    for (const fact of runtime.facts ?? [])
      assert.match(fact.name, /^[A-Za-z0-9][A-Za-z0-9 ()+,_-]{0,63}$/, runtime.name);
});

test("host dimensions name the reference VM and container by their records, not by QEMU's or Docker's keys", () => {
  const vagrantOnly = resultWith({
    podman: {
      kind: 'container',
      label: 'Podman (crun)',
      emulated: false,
      info: { engineVersion: '4.3.1' },
      facts: [{ key: 'engineVersion', name: 'engine', value: '4.3.1', version: true }],
    },
    vagrant: {
      kind: 'vm',
      label: 'Vagrant (libvirt)',
      emulated: true,
      info: { vagrantVersion: '2.3.4', accelerator: 'tcg' },
      facts: [{ key: 'vagrantVersion', name: 'Vagrant', value: '2.3.4', version: true }],
    },
  });
  const dimensions = hostDimensions(vagrantOnly);
  assert.equal(dimensions['reference VM'], 'Vagrant (libvirt): Vagrant 2.3.4');
  assert.equal(dimensions['reference container'], 'Podman (crun): engine 4.3.1');
  assert.equal(hostDimensions(resultWith({}))['reference VM'], 'n/a');
  assert.equal(
    hostDimensions(resultWith({ lxc: { kind: 'container', label: 'LXC', emulated: false, info: {}, facts: [] } }))[
      'reference container'
    ],
    'LXC: no version recorded',
  );
});
