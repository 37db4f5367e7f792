import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { renderComparison } from '../../../src/report/compare.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { summarizeRun } from '../../../src/report/run-summary.js';
import { aggregate } from '../../../src/results/aggregate.js';
import { figuresOf, restingWorkloads, shownResources } from '../../../src/results/figures.js';
import { parseResult } from '../../../src/results/read.js';
import type { ResultFile } from '../../../src/results/types.js';

const fixture = () =>
  parseResult(readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'), 'quick-v1.json');

test('a figure the Markdown shows is one that compare and check read: the page cache in the group, the boot phases, the memory model at exit', () => {
  const result = fixture();
  const markdown = renderMarkdown(result);
  assert.match(markdown, /page cache in the group \(peak\)/);
  const checked = summarizeRun('quick.json', result).samples;
  for (const key of [
    'docker/idle/cgroup.memory_file_bytes.peak',
    'docker/idle/boot.phase.create',
    'qemu/idle/boot.guestUptimeAtReadyMs',
    'docker/idle/boot.bootToReadyMs',
    'qemu/cpu/events_per_s',
  ])
    assert.ok(checked.has(key), key);
  // Each shown sampled figure of the fixture reaches check: none is listed without being read.
  const sampled = new Set(Object.keys(result.trials.find((t) => t.state === 'completed')!.resources));
  for (const name of shownResources) {
    const column = name.slice(0, name.lastIndexOf('.'));
    if (sampled.has(column)) assert.ok(checked.has(`docker/idle/${name}`), name);
  }
  // Whether each gates, in the model: the key figure and boot of the resting workload do, the rest informs.
  assert.equal(checked.get('qemu/cpu/events_per_s')?.gates, true);
  assert.equal(checked.get('qemu/idle/boot.bootToReadyMs')?.gates, true);
  assert.equal(checked.get('qemu/cpu/boot.bootToReadyMs')?.gates, false);
  assert.equal(checked.get('docker/idle/boot.phase.create')?.gates, false);
  // Every sampled column's other summaries stay in the JSON export only.
  assert.ok(!checked.has('docker/idle/cgroup.io_read_bytes.last'));
  assert.ok(figuresOf(result).all.has('docker/idle/cgroup.io_read_bytes.last'));
  const other = structuredClone(result);
  other.runId = 'other';
  assert.match(
    renderComparison([
      { path: 'a.json', result },
      { path: 'b.json', result: other },
    ]),
    /\| docker\/idle\/cgroup\.memory_file_bytes\.peak \| bytes, lower is better \|/,
  );
});

test('values keep the repetition they came from, and aggregate describes the same values', () => {
  const result = fixture();
  const boot = figuresOf(result).all.get('qemu/idle/boot.bootToReadyMs')!;
  const trials = result.trials.filter((t) => t.runtime === 'qemu' && t.workload === 'idle' && t.state === 'completed');
  assert.deepEqual(
    boot.values,
    trials.map((t) => (t.state === 'completed' ? t.boot.bootToReadyMs : Number.NaN)),
  );
  assert.deepEqual(
    boot.reps,
    trials.map((t) => t.rep),
  );
  const group = aggregate(result).find((g) => g.runtime === 'qemu' && g.workload === 'idle')!;
  assert.equal(group.bootToReadyMs?.n, boot.values.length);
  assert.deepEqual(
    group.phases.map((phase) => phase.name),
    trials[0]!.state === 'completed' ? trials[0]!.boot.phases.map((phase) => phase.name) : [],
  );
});

test('groups come in one order: workloads as run, runtimes as the result lists them, whatever order a repetition shuffled', () => {
  const result: ResultFile = fixture();
  // The second workload's trials with the runtimes the other way round, as a shuffled repetition runs them.
  const idle = result.trials.filter((t) => t.workload === 'idle');
  const cpu = result.trials.filter((t) => t.workload === 'cpu').reverse();
  const shuffled = { ...result, trials: [...idle, ...cpu] };
  assert.deepEqual(
    aggregate(shuffled).map((g) => `${g.workload}/${g.runtime}`),
    ['idle/docker', 'idle/qemu', 'cpu/docker', 'cpu/qemu'],
  );
});

test('the resting workload is the one with no figure of its own, whatever it is called', () => {
  const result = fixture();
  assert.deepEqual(restingWorkloads(figuresOf(result).shown.values()), ['idle']);
  const renamed = {
    ...result,
    trials: result.trials.map((t) => (t.workload === 'idle' ? { ...t, workload: 'rest' } : t)),
  };
  assert.deepEqual(restingWorkloads(figuresOf(renamed).shown.values()), ['rest']);
  // The footprint table takes it, not "every workload".
  const footprint = renderMarkdown(renamed).split('## What the host pays')[1]!.split('###')[0]!;
  assert.match(footprint, /\(rest\)/);
  assert.doesNotMatch(footprint, /\(cpu\)/);
});

test('the network path is described when a workload used it (recorded), a user image with ports included; older files go by the built-in names', () => {
  const result = fixture();
  result.runtimes.docker!.info = { ...result.runtimes.docker!.info, networkPath: 'veth on a bridge' };
  assert.doesNotMatch(renderMarkdown(result), /Network path/);
  const image = {
    ...result,
    trials: result.trials.map((t) => (t.workload === 'cpu' ? { ...t, workload: 'image' } : t)),
    workloads: { idle: { network: false, scratch: false }, image: { network: true, scratch: false } },
  };
  assert.match(renderMarkdown(image), /- Network path, container: Docker.*: `veth on a bridge`\./);
  const legacy = {
    ...result,
    trials: result.trials.map((t) => (t.workload === 'cpu' ? { ...t, workload: 'redis' } : t)),
  };
  assert.match(renderMarkdown(legacy), /- Network path, /);
});
