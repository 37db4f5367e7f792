import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../../../src/report/markdown.js';
import type { ResultFile, TrialResult } from '../../../src/results/types.js';

function trial(runtime: 'docker' | 'qemu', rep: number, bootMs: number, eps: number): TrialResult {
  const summary = {
    unit: 'bytes' as const,
    source: 'cgroup.v1.memory.usage_in_bytes',
    kind: 'gauge' as const,
    samples: 3,
    peak: 100 * 1024 * 1024,
    mean: 90 * 1024 * 1024,
  };
  return {
    trialId: `${runtime}-cpu-${rep}`,
    runtime,
    workload: 'cpu',
    rep,
    state: 'completed',
    boot: { bootToReadyMs: bootMs, phases: [{ name: 'create', ms: bootMs, clock: 'host' }] },
    metrics: [
      {
        name: 'events_per_s',
        value: eps,
        unit: 'events/s',
        source: 'guest.sysbench.cpu.events_per_s',
        direction: 'higher',
      },
    ],
    resources: { 'cgroup.memory_working_set_bytes': summary },
    series: { intervalMs: 100, tMs: [0], columns: {}, events: [], sampleCostMs: { mean: 1, max: 1 } },
  };
}

function result(emulated: boolean): ResultFile {
  return {
    schemaVersion: 2,
    tool: { name: 'twinbench', version: '0.0.0' },
    runId: 'r1',
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
    status: 'completed',
    host: {
      hostname: 'h',
      arch: 'x86_64',
      cpu: { manufacturer: 'x', brand: 'CPU', cores: 2, physicalCores: 2, speedGHz: 2 },
      virtualizationFlags: [],
      isVirtualMachine: false,
      memoryBytes: 2 ** 34,
      os: { distro: 'Debian', release: '12', kernel: '6.1' },
      cgroupVersion: 2,
      cgroupMode: 'v2',
      ksm: 'off',
      clockTicksPerSecond: 100,
    },
    config: {
      name: 'quick',
      runtimes: ['docker', 'qemu'],
      workloads: [{ name: 'cpu', reps: 2, params: {} }],
      vcpus: 1,
      memoryMiB: 512,
      sampleIntervalMs: 100,
      readyTimeoutSeconds: 60,
      accel: 'auto',
      arch: 'amd64',
      warmup: 1,
    },
    images: {
      rootfsDigest: 'a'.repeat(64),
      inputsDigest: 'b'.repeat(64),
      dockerTag: 't',
      kernel: { source: 'debian', name: 'k', version: '1' },
      initrd: { source: 'built' },
      suite: 'bookworm',
      packages: [],
    },
    runtimes: {
      docker: { kind: 'container', label: 'Docker (runc)', emulated: false, info: { engineVersion: '20' } },
      qemu: {
        kind: 'vm',
        label: 'QEMU',
        emulated,
        info: { accelerator: emulated ? 'tcg' : 'kvm', acceleratorReason: 'probe' },
      },
    },
    warmups: [],
    trials: [
      trial('docker', 1, 90, 1000),
      trial('qemu', 1, 3000, 500),
      trial('docker', 2, 110, 1200),
      trial('qemu', 2, 3200, 600),
      {
        trialId: 'qemu-cpu-3',
        runtime: 'qemu',
        workload: 'cpu',
        rep: 3,
        state: 'errored',
        error: 'guest never printed READY within 60 s',
      },
    ],
    notes: [],
  };
}

test('under TCG the first lines say VM figures measure emulation, not virtualization', () => {
  const head = renderMarkdown(result(true)).split('\n').slice(0, 4).join('\n');
  assert.match(head, /emulation, not virtualization/);
  assert.doesNotMatch(renderMarkdown(result(false)), /emulation, not virtualization/);
});

test("medians with their interval (none at n=2), the VM's cost against the container, and failed trials with their reason", () => {
  const md = renderMarkdown(result(false));
  // Half the throughput costs 2x: every cost factor reads "above 1 = costs more".
  // One column per runtime that ran (by its kind and label), then one per pair: no native baseline ran here.
  assert.match(md, /\| workload \| metric \| container: Docker \(runc\) \| VM: QEMU \| QEMU vs Docker \(runc\) \|/);
  assert.match(
    md,
    /\| cpu \| events_per_s \(events\/s, higher is better\) \| 1100 \[—\] n=2 \| 550\.0 \[—\] n=2 \| 2\.00× \[—\] \|/,
  );
  assert.match(md, /`qemu-cpu-3` errored: `guest never printed READY within 60 s`/);
});

test('at 6 repetitions a median has its 95 % interval, and so does a cost factor', () => {
  const base = result(false);
  const trials = [1, 2, 3, 4, 5, 6].flatMap((rep) => [
    trial('docker', rep, 100, 1000 + rep),
    trial('qemu', rep, 3000, 500),
  ]);
  const md = renderMarkdown({ ...base, trials });
  assert.match(md, /\| 1004 \[1001, 1006\] n=6 \| 500\.0 \[500\.0, 500\.0\] n=6 \| 2\.01× \[2\.00, 2\.01\] \|/);
  assert.match(md, /Each cell: median \[95 % confidence interval of the median\]/);
});

test("text a result file carries about a runtime (its network path, scratch disk, envelope, a runtime figure's description) stays in code spans: a hostile file's markup never becomes a link, an image or HTML", () => {
  const injected = '[x](javascript:alert(1)) <img src=x onerror=alert(2)> <script>alert(3)</script>';
  const hostile = result(false);
  const docker = hostile.runtimes.docker!;
  hostile.runtimes.docker = {
    ...docker,
    info: { ...docker.info, networkPath: `bridge ${injected}`, scratch: `bind ${injected}` },
    envelope: { cpus: 1, memoryBytes: 2 ** 29, headroomBytes: 0, enforced: true, how: `quota ${injected}` },
  };
  const network = { ...trial('docker', 3, 100, 1000), trialId: 'docker-network-3', workload: 'network' };
  const disk = { ...trial('docker', 4, 100, 1000), trialId: 'docker-disk-4', workload: 'disk' };
  const vagrantish = trial('qemu', 5, 3000, 500);
  if (vagrantish.state === 'completed')
    vagrantish.boot = {
      ...vagrantish.boot,
      runtimeFigures: { up_ms: { value: 1000, unit: 'ms', description: `its own time ${injected}` } },
    };
  hostile.trials.push(network, disk, vagrantish);
  const markdown = renderMarkdown(hostile);
  for (const what of ['Network path', 'Scratch disk', 'Envelope', 'up_ms'])
    assert.match(markdown, new RegExp(`${what}.*\\\``), `${what} is shown`);
  // Everything outside code spans: none of the injected markup may be there.
  const outside = markdown.replace(/(`+)[\s\S]*?\1/g, '');
  for (const active of ['javascript:', '<img', '<script'])
    assert.ok(!outside.includes(active), `${active} outside a code span`);
});
