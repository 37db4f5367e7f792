import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { ResultFile } from '../../src/results/types.js';
import { readResult, runBench } from './helpers.js';

const out = mkdtempSync(join(tmpdir(), 'twinbench-check-'));
let a = '';
let b = '';

/** Write a modified copy of a result file. */
function variant(path: string, name: string, change: (result: ResultFile) => void): string {
  const result = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
  change(result);
  const file = join(out, name);
  writeFileSync(file, JSON.stringify(result));
  return file;
}

// 6 repetitions: the 4 gating figures (boot and working set of docker and qemu) can then reach p < 0.01 under Holm.
before(async () => {
  for (const which of ['a', 'b']) {
    const run = await runBench(['all', '--suite', 'quick', '--workloads', 'idle', '--reps', '6', '--out', join(out, which)]);
    assert.equal(run.exitCode, 0, run.all);
    if (which === 'a') a = readResult(run.stdout).path;
    else b = readResult(run.stdout).path;
  }
}, { timeout: 480_000 });

test('compare: two real runs side by side, with VM/container ratios', async () => {
  const run = await runBench(['compare', a, b]);
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stdout, /\| qemu\/idle\/boot\.bootToReadyMs \| ms, lower is better \| [\d.]+ \[[\d.]+, [\d.]+\] n=6 \| [\d.]+ \[[\d.]+, [\d.]+\] n=6 \|/);
  assert.match(run.stdout, /\| qemu\/docker\/idle\/boot\.bootToReadyMs \| ratio, lower is better \|/);
  assert.match(run.stdout, /\| dimension \| #1 \| #2 \|/);
});

test('check: a file against itself passes (exit 0) and writes JUnit and Markdown', async () => {
  const junit = join(out, 'self.xml');
  const run = await runBench(['check', '--baseline', a, a, '--junit', junit, '--summary', join(out, 'self.md')]);
  assert.equal(run.exitCode, 0, run.all);
  assert.match(readFileSync(junit, 'utf8'), /<testsuites name="twinbench check" tests="\d+" failures="0"/);
  assert.match(run.stdout, /\*\*No regression\*\*/);
});

test('check: two real A/A runs give a verdict consistent with the JUnit file (never unusable input)', async () => {
  const junit = join(out, 'aa.xml');
  const run = await runBench(['check', '--baseline', a, b, '--junit', junit]);
  assert.ok(run.exitCode === 0 || run.exitCode === 1, run.all);
  const failures = Number(/failures="(\d+)"/.exec(readFileSync(junit, 'utf8'))?.[1]);
  assert.equal(failures > 0, run.exitCode === 1);
});

test('check: a VM boot 50 % slower is a regression (exit 1, JUnit failure naming it)', async () => {
  // 50 % slower than the baseline itself: built from run b, the shift was 50 % over b, and b's own drift
  // from a (16 % faster QEMU boots in one CI run) left +23.5 %, which 6 repetitions cannot tell at 0.01.
  const slower = variant(a, 'slower.json', (result) => {
    for (const trial of result.trials) if (trial.runtime === 'qemu' && trial.state === 'completed') trial.boot.bootToReadyMs *= 1.5;
  });
  const junit = join(out, 'slow.xml');
  const run = await runBench(['check', '--baseline', a, slower, '--junit', junit]);
  assert.equal(run.exitCode, 1, run.all);
  assert.match(readFileSync(junit, 'utf8'), /<testcase classname="twinbench.absolute" name="qemu\/idle\/boot.bootToReadyMs"><failure message="\+\d+\.\d % in the mean, p = [\d.e-]+ \(Holm\), worse than the 10\.0 % threshold/);
});

test('check fails closed: an errored trial, an interrupted run, a missing runtime each fail with the reason; --allow-errored waives them', async () => {
  const broken = variant(a, 'broken-run.json', (result) => {
    const trial = result.trials.find((t) => t.runtime === 'qemu');
    if (trial) Object.assign(trial, { state: 'errored', error: 'guest never printed READY within 60 s of starting' });
    result.status = 'interrupted';
  });
  const run = await runBench(['check', '--baseline', a, broken, '--junit', join(out, 'broken.xml'), '--summary', join(out, 'broken.md')]);
  assert.equal(run.exitCode, 1, run.all);
  assert.match(run.stdout, /\*\*errored-trials\*\*: 1 of 12 trials did not complete: qemu-idle-1 \(guest never printed READY/);
  assert.match(run.stdout, /\*\*interrupted\*\*: the current run's status is "interrupted"/);
  assert.match(readFileSync(join(out, 'broken.xml'), 'utf8'), /name="errored-trials"><failure message="1 of 12 trials/);
  const waived = await runBench(['check', '--baseline', a, broken, '--allow-errored', '--junit', join(out, 'waived.xml')]);
  assert.equal(waived.exitCode, 0, waived.all);
  assert.match(waived.stdout, /\(waived\) \*\*errored-trials\*\*/);
  assert.match(waived.stderr, /check: waived \(errored-trials\)/);
  const noVm = variant(a, 'no-vm.json', (result) => {
    result.trials = result.trials.filter((t) => t.runtime !== 'qemu');
    delete result.runtimes.qemu;
  });
  const missing = await runBench(['check', '--baseline', a, noVm, '--junit', join(out, 'no-vm.xml')]);
  assert.equal(missing.exitCode, 1, missing.all);
  assert.match(missing.stdout, /\*\*missing-runtime\*\*: the baseline ran qemu, the current run did not/);
  assert.match(missing.stdout, /\*\*missing-figure\*\*: \d+ figure\(s\) of the baseline are not in the current run: qemu\/idle/);
});

test('check says when repetitions cannot reach alpha: 3 vs 3 fails as underpowered, naming the repetitions needed; --allow-underpowered waives it', async () => {
  const keepThree = (result: ResultFile) => {
    result.trials = result.trials.filter((t) => t.rep <= 3);
  };
  const three = variant(a, 'three.json', keepThree);
  const threeB = variant(b, 'three-b.json', keepThree);
  const run = await runBench(['check', '--baseline', three, threeB, '--junit', join(out, 'three.xml')]);
  assert.equal(run.exitCode, 1, run.all);
  assert.match(run.stdout, /\| underpowered \| (docker|qemu)\/idle\/boot\.bootToReadyMs .*3 vs 3 repetitions cannot reach p < 0\.01 over 4 gating figures: needs ≥ 6 on each side/);
  assert.match(run.stdout, /\*\*too-few-repetitions\*\*/);
  const waived = await runBench(['check', '--baseline', three, threeB, '--allow-underpowered', '--junit', join(out, 'three-w.xml')]);
  assert.equal(waived.exitCode, 0, waived.all);
});

test('check across hosts: refused without --cross-host, ratios with it', async () => {
  const elsewhere = variant(b, 'elsewhere.json', (result) => {
    result.host.hostname = 'lab-42';
    result.host.cpu.brand = 'Other CPU';
  });
  const refused = await runBench(['check', '--baseline', a, elsewhere]);
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /different hosts do not compare; pass --cross-host/);
  const ratios = await runBench(['check', '--baseline', a, elsewhere, '--cross-host', '--junit', join(out, 'x.xml')]);
  assert.ok(ratios.exitCode === 0 || ratios.exitCode === 1, ratios.all);
  assert.match(ratios.stdout, /ratios between runtimes, across hosts/);
});

test('hand-broken result files: one line naming the file and the problem, exit 2', async () => {
  const text = readFileSync(a, 'utf8');
  const cases: [string, string, RegExp][] = [
    ['truncated.json', text.slice(0, text.length / 2), /truncated\.json: not valid JSON, truncated\?/],
    ['empty.json', '', /empty\.json: the file is empty/],
    ['other.json', '{"name": "some other tool"}', /other\.json: not a twinbench result file/],
    ['newer.json', text.replace('"schemaVersion":2', '"schemaVersion":9'), /newer\.json: schemaVersion 9 is newer than this twinbench reads \(2\)/],
    ['broken.json', text.replace('"state":"completed"', '"state":"finished"'), /broken\.json: does not match the result schema v2: \/(warmups|trials)\/0\/state/],
  ];
  for (const [name, content, expected] of cases) {
    const file = join(out, name);
    writeFileSync(file, content);
    for (const args of [['report', file], ['compare', a, file], ['check', '--baseline', a, file]]) {
      const run = await runBench(args);
      assert.equal(run.exitCode, 2, `${args.join(' ')}: ${run.all}`);
      assert.match(run.stderr.trim(), expected);
      assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
    }
  }
});

test('compare refuses figures whose units differ, naming the figure and the files', async () => {
  const units = variant(b, 'units.json', (result) => {
    for (const trial of result.trials) {
      const pss = trial.state === 'completed' ? trial.resources['guest.pss_bytes'] : undefined;
      if (pss) pss.unit = 'operations';
    }
  });
  const run = await runBench(['compare', a, units]);
  assert.equal(run.exitCode, 2, run.all);
  assert.match(run.stderr, /cannot compare (docker|qemu)\/idle\/guest\.pss_bytes\.peak: its unit differs between files \(bytes in 1: .*, operations in 2: units\.json\)/);
});

test('calibrate: two A/A runs give per-metric thresholds that check reads', { timeout: 120_000 }, async () => {
  const thresholds = join(out, 'thresholds.json');
  const run = await runBench(['calibrate', '--runtimes', 'docker', '--workloads', 'idle', '--reps', '3', '--suite', 'quick', '--out', join(out, 'cal'), '--thresholds-out', thresholds]);
  assert.equal(run.exitCode, 0, run.all);
  const file = JSON.parse(readFileSync(thresholds, 'utf8')) as { kind: string; thresholds: Record<string, number>; runs: string[] };
  assert.equal(file.kind, 'twinbench-thresholds');
  assert.equal(file.runs.length, 2);
  assert.match(run.stdout, /the A\/A pair itself at default thresholds: \d+ false alarm\(s\) among 2 gating figures/);
  const boot = file.thresholds['docker/idle/boot.bootToReadyMs'];
  assert.ok(boot !== undefined && boot >= 0.02 && boot < 1, `boot threshold ${boot}`);
  const check = await runBench(['check', '--baseline', file.runs[0] ?? '', file.runs[1] ?? '', '--thresholds', thresholds, '--junit', join(out, 'cal.xml')]);
  assert.ok(check.exitCode === 0 || check.exitCode === 1, check.all);
  const bad = await runBench(['check', '--baseline', a, b, '--thresholds', a]);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /not a thresholds file from `bench calibrate`/);
});

test('check on a real slowdown: the same container run with two busy loops on its pinned CPU fails the gate (exit 1)', { timeout: 240_000 }, async () => {
  const args = ['all', '--runtimes', 'docker', '--workloads', 'cpu', '--reps', '6', '--suite', 'quick', '--cpuset', '0'];
  const base = await runBench([...args, '--out', join(out, 'slow-base')]);
  assert.equal(base.exitCode, 0, base.all);
  // Two busy loops on CPU 0, where the guest is pinned: a real slowdown on the host, not an edited file.
  const hogs = [0, 1].map(() => spawn('taskset', ['-c', '0', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' }));
  let slow;
  try {
    slow = await runBench([...args, '--out', join(out, 'slow-current')]);
  } finally {
    for (const hog of hogs) hog.kill('SIGKILL');
  }
  assert.equal(slow.exitCode, 0, slow.all);
  const check = await runBench(['check', '--baseline', readResult(base.stdout).path, readResult(slow.stdout).path, '--junit', join(out, 'slow-real.xml')]);
  assert.equal(check.exitCode, 1, check.all);
  assert.match(check.stdout, /\| regressed \| docker\/cpu\/events_per_s \(events\/s, higher is better\)/);
});
