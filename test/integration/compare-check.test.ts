import assert from 'node:assert/strict';
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

before(async () => {
  for (const which of ['a', 'b']) {
    const run = await runBench(['all', '--suite', 'quick', '--workloads', 'idle', '--reps', '3', '--out', join(out, which)]);
    assert.equal(run.exitCode, 0, run.all);
    if (which === 'a') a = readResult(run.stdout).path;
    else b = readResult(run.stdout).path;
  }
}, { timeout: 240_000 });

test('compare: two real runs side by side, with VM/container ratios', async () => {
  const run = await runBench(['compare', a, b]);
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stdout, /\| qemu\/idle\/boot\.bootToReadyMs \| ms, lower is better \| [\d.]+ \(n=3\) \| [\d.]+ \(n=3\) \|/);
  assert.match(run.stdout, /\| vm\/container\/idle\/boot\.bootToReadyMs \| ratio, lower is better \|/);
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
  const slower = variant(b, 'slower.json', (result) => {
    for (const trial of result.trials) if (trial.runtime === 'qemu' && trial.state === 'completed') trial.boot.bootToReadyMs *= 1.5;
  });
  const junit = join(out, 'slow.xml');
  const run = await runBench(['check', '--baseline', a, slower, '--junit', junit]);
  assert.equal(run.exitCode, 1, run.all);
  assert.match(readFileSync(junit, 'utf8'), /<testcase classname="twinbench.absolute" name="qemu\/idle\/boot.bootToReadyMs"><failure message="\d+\.\d %/);
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
  assert.match(ratios.stdout, /VM\/container ratios, across hosts/);
});

test('hand-broken result files: one line naming the file and the problem, exit 2', async () => {
  const text = readFileSync(a, 'utf8');
  const cases: [string, string, RegExp][] = [
    ['truncated.json', text.slice(0, text.length / 2), /truncated\.json: not valid JSON, truncated\?/],
    ['empty.json', '', /empty\.json: the file is empty/],
    ['other.json', '{"name": "some other tool"}', /other\.json: not a twinbench result file/],
    ['newer.json', text.replace('"schemaVersion":1', '"schemaVersion":9'), /newer\.json: schemaVersion 9 is newer than this twinbench reads \(1\)/],
    ['broken.json', text.replace('"state":"completed"', '"state":"finished"'), /broken\.json: does not match the result schema v1: \/(warmups|trials)\/0\/state/],
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
  const boot = file.thresholds['docker/idle/boot.bootToReadyMs'];
  assert.ok(boot !== undefined && boot >= 0.02 && boot < 1, `boot threshold ${boot}`);
  const check = await runBench(['check', '--baseline', file.runs[0] ?? '', file.runs[1] ?? '', '--thresholds', thresholds, '--junit', join(out, 'cal.xml')]);
  assert.ok(check.exitCode === 0 || check.exitCode === 1, check.all);
  const bad = await runBench(['check', '--baseline', a, b, '--thresholds', a]);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /not a thresholds file from `bench calibrate`/);
});
