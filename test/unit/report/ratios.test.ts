import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ratioPairs } from '../../../src/report/ratios.js';
import type { ResultFile } from '../../../src/results/types.js';

type Record_ = { kind: 'native' | 'container' | 'vm'; label: string; emulated: boolean; info: Record<string, string> };
const runtimes = (entries: Record<string, Record_>) =>
  ({ runtimes: entries }) as unknown as Pick<ResultFile, 'runtimes'>;
const container = (label: string, ociRuntime: string): Record_ => ({
  kind: 'container',
  label,
  emulated: false,
  info: { ociRuntime },
});

test('pairs by kind, plus the pair of containers that differ in their engine alone (the same OCI runtime)', () => {
  const result = runtimes({
    native: { kind: 'native', label: 'native', emulated: false, info: {} },
    docker: container('Docker (runc)', 'runc'),
    'docker-crun': container('Docker (crun)', 'crun'),
    podman: container('Podman (crun)', 'crun'),
    qemu: { kind: 'vm', label: 'QEMU', emulated: true, info: {} },
  });
  const keys = ratioPairs(result).map((pair) => pair.key);
  assert.deepEqual(keys, [
    'docker/native',
    'docker-crun/native',
    'podman/native',
    'qemu/native',
    'qemu/docker',
    'docker-crun/docker',
    'podman/docker',
    'podman/docker-crun',
  ]);
  // Without a second crun container there is no engine-only pair.
  const alone = runtimes({ docker: container('Docker (runc)', 'runc'), podman: container('Podman (crun)', 'crun') });
  assert.deepEqual(
    ratioPairs(alone).map((pair) => pair.key),
    ['podman/docker'],
  );
});
