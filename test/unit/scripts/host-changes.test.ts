import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { changes, readRules, requestedPackages } from '../../host-changes.js';

test("the README's host-changes rules parse, and name what setup does: a daemon it starts yes, an unknown one or a removed package no", () => {
  const rules = readRules(readFileSync(join(packageRoot, 'README.md'), 'utf8'));
  const allowed = (line: string) =>
    rules.some((rule) => line.startsWith(`${rule.sign} `) && rule.pattern.test(line.slice(2)));
  for (const line of [
    '+ process dockerd',
    '+ mount binfmt_misc /proc/sys/fs/binfmt_misc',
    '+ binfmt qemu-aarch64',
    '+ kvm root:kvm 660',
    '- kvm root:root 600',
    '+ package debootstrap',
    '+ file /usr/local/bin/node',
  ])
    assert.ok(allowed(line), line);
  for (const line of [
    '+ process sshd',
    '- package bash',
    '+ mount tmpfs /etc',
    '+ file /usr/local/bin/evil',
    '+ package debootstrapx',
    '+ link eth1',
  ])
    assert.ok(!allowed(line), line);
});

test('changes: lines that appeared and went; requested packages from apt-get install lines', () => {
  assert.deepEqual(changes('a\nb\n', 'b\nc\n'), ['+ c', '- a']);
  assert.deepEqual(
    requestedPackages('setup: missing wrk\nsetup: apt-get install wrk redis-tools\ntest: apt-get install chromium\n'),
    ['wrk', 'redis-tools', 'chromium'],
  );
});
