import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runBench } from './helpers.js';

test('bench doctor --json: engine, QEMU, a real KVM test boot verdict, cgroups, tools, disk', {
  timeout: 60_000,
}, async () => {
  const run = await runBench(['doctor', '--json']);
  assert.equal(run.exitCode, 0, run.all);
  const { checks } = JSON.parse(run.stdout) as {
    checks: { name: string; status: string; detail: string; fix?: string }[];
  };
  const byName = new Map(checks.map((check) => [check.name, check]));
  assert.equal(byName.get('docker engine')?.status, 'ok');
  assert.match(byName.get('docker engine')?.detail ?? '', /^\d+\.\d+/);
  assert.ok([...byName.keys()].some((name) => name.startsWith('qemu-system-')));
  const kvm = byName.get('kvm');
  assert.ok(kvm, 'kvm is reported');
  // Images are built before integration tests, so where /dev/kvm exists the verdict comes from a real test
  // boot; where the host has no /dev/kvm at all (a guest without nested virtualization), doctor says so.
  assert.match(
    kvm.detail,
    existsSync('/dev/kvm') ? /test boot under KVM/ : /^\/dev\/kvm is missing or not accessible; VMs will run under TCG/,
  );
  if (kvm.status !== 'ok') assert.ok(kvm.fix);
  assert.match(byName.get('cgroups')?.detail ?? '', /^v[12] \((v1|hybrid|v2)\); controllers: .*memory/);
  for (const tool of ['debootstrap', 'qemu-img', 'mke2fs', 'cpio']) assert.equal(byName.get(tool)?.status, 'ok', tool);
  assert.match(byName.get('cache disk')?.detail ?? '', /GiB free in /);
});
