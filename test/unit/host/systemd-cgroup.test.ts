import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { envelopeFor, envelopeWrites } from '../../../src/host/envelope.js';
import {
  guestScopeName,
  inScope,
  sliceOfRun,
  sliceProperties,
  systemdOwnsCgroups,
  trialSliceName,
} from '../../../src/host/systemd-cgroup.js';

test('systemd owns the tree only on a unified (v2) host booted by systemd', async () => {
  const booted = await mkdtemp(join(tmpdir(), 'tb-systemd-'));
  const absent = join(booted, 'absent');
  try {
    const v2 = { v1: new Map<string, string>(), v2: '/sys/fs/cgroup' };
    const hybrid = { v1: new Map([['memory', '/sys/fs/cgroup/memory']]), v2: '/sys/fs/cgroup/unified' };
    assert.equal(systemdOwnsCgroups(v2, booted), true);
    assert.equal(
      systemdOwnsCgroups(v2, absent),
      false,
      'v2 without systemd (a container, this CI host): the harness writes the tree',
    );
    assert.equal(systemdOwnsCgroups(hybrid, booted), false, 'v1/hybrid under systemd: the v1 hierarchies, as before');
  } finally {
    await rm(booted, { recursive: true });
  }
});

test("a trial's slice sits at the top of the tree (no dash to nest it) and names its run", () => {
  const slice = trialSliceName('20261127t140325z-ab12-docker-idle-1');
  assert.equal(slice, 'twinbench_20261127t140325z_ab12_docker_idle_1.slice');
  assert.doesNotMatch(slice, /-/);
  assert.equal(sliceOfRun(slice, '20261127t140325z-ab12'), true);
  assert.equal(sliceOfRun(slice, '20261127t140325z-ab1'), false);
  assert.equal(guestScopeName(slice), 'twinbench_20261127t140325z_ab12_docker_idle_1_guest.scope');
});

test('the slice is created with the same envelope the harness writes elsewhere: quota per 100 ms period, memory, no swap', () => {
  const envelope = envelopeFor('vm', 2, 512);
  const args = sliceProperties(envelope);
  const count = Number(args[0]);
  const properties = new Map<string, [string, string]>();
  for (let i = 0; i < count; i++) properties.set(args[1 + i * 3] ?? '', [args[2 + i * 3] ?? '', args[3 + i * 3] ?? '']);
  assert.equal(args.length, 1 + count * 3);
  // systemd's quota is per second of wall time; over the 100 ms period it is cpu.max's first field.
  const [quotaType, quotaPerSec] = properties.get('CPUQuotaPerSecUSec') ?? [];
  assert.equal(quotaType, 't');
  const period = Number(properties.get('CPUQuotaPeriodUSec')?.[1]);
  const cpuMax = envelopeWrites(2, envelope).find((write) => write.file === 'cpu.max')?.value;
  assert.equal(`${(Number(quotaPerSec) * period) / 1_000_000} ${period}`, cpuMax);
  assert.deepEqual(properties.get('MemoryMax'), ['t', String(envelope.memoryBytes)]);
  assert.deepEqual(properties.get('MemorySwapMax'), ['t', '0']);
  for (const accounting of ['CPUAccounting', 'MemoryAccounting', 'IOAccounting', 'TasksAccounting'])
    assert.deepEqual(properties.get(accounting), ['b', 'true']);
});

test('a harness-started guest runs in its scope through systemd-run, which execs the command itself', () => {
  assert.deepEqual(inScope('a.slice', 'a_guest.scope', ['qemu-system-x86_64', '-m', '512M']), [
    'systemd-run',
    '--scope',
    '--quiet',
    '--collect',
    '--slice=a.slice',
    '--unit=a_guest.scope',
    '--',
    'qemu-system-x86_64',
    '-m',
    '512M',
  ]);
});
