import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { packageRoot } from '../../../src/paths.js';
import { visibleRuntimeNames } from '../../../src/runtimes/table.js';

const bench = join(packageRoot, 'bin', 'bench.js');
// Point Docker at nothing so no test here can touch a real engine.
const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const run = (...args: string[]) => execa('node', [bench, ...args], { reject: false, env });

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, no stack trace: ${stderr}`);
  return lines[0] ?? '';
}

test('unknown runtime or workload: exit 2, one line naming the valid ones', async () => {
  const result = await run('all', '--runtimes', 'docker,firecracker', '--workloads', 'gpu');
  assert.equal(result.exitCode, 2);
  const line = oneLine(result.stderr);
  // The runtime table's visible names, baseline first; the fake runtimes are accepted but not listed.
  assert.ok(line.includes(`--runtimes: unknown "firecracker"; valid: ${visibleRuntimeNames().join(', ')};`), line);
  assert.match(line, /valid: native, docker/);
  assert.doesNotMatch(line, /fake/);
  assert.match(line, /--workloads: unknown "gpu"; valid: /);
});

test('bad numbers, bad accelerator and unknown flags are usage errors (exit 2)', async () => {
  assert.equal((await run('all', '--reps', '0')).exitCode, 2);
  assert.equal((await run('all', '--vcpus', 'lots')).exitCode, 2);
  assert.equal((await run('all', '--accel', 'hvf')).exitCode, 2);
  assert.equal((await run('all', '--no-such-flag')).exitCode, 2);
  assert.equal((await run('frobnicate')).exitCode, 2);
  const spaces = await run('all', '--kernel', '/no such/"quoted" kernel');
  assert.equal(spaces.exitCode, 2);
  assert.match(oneLine(spaces.stderr), /--kernel "\/no such\/\\"quoted\\" kernel": no such file/);
});

test('Docker engine unreachable: exit 3, one line naming it and pointing to bench doctor', async () => {
  const result = await run('all', '--runtimes', 'docker', '--workloads', 'idle');
  assert.equal(result.exitCode, 3, result.stderr);
  assert.match(result.stderr, /Docker engine not reachable at unix:\/\/\/nonexistent\/docker.sock.*run `bench doctor`/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/);
});

test('--help documents every command and the exit codes', async () => {
  const result = await run('--help');
  assert.equal(result.exitCode, 0);
  for (const command of ['all', 'doctor', 'images', 'clean'])
    assert.match(result.stdout, new RegExp(`\\n  ${command}\\b`));
  assert.match(result.stdout, /130 +interrupted/);
  const all = await run('all', '--help');
  for (const flag of ['--suite', '--runtimes', '--workloads', '--reps', '--out', '--accel', '--kernel', '--initrd'])
    assert.match(all.stdout, new RegExp(flag));
});

test('a missing dependency points to doctor, and doctor (or a message with its own fix) gets the problem alone', async () => {
  const { MissingDependencyError, problemOf } = await import('../../../src/errors.js');
  const error = new MissingDependencyError('Docker engine not reachable at /var/run/docker.sock: connect ENOENT');
  assert.equal(
    error.message,
    'Docker engine not reachable at /var/run/docker.sock: connect ENOENT (run `bench doctor` for details)',
  );
  assert.equal(problemOf(error), 'Docker engine not reachable at /var/run/docker.sock: connect ENOENT');
  assert.equal(problemOf(new Error('plain')), 'plain');
});
