import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../../src/results/schema.js';
import type { CompletedTrial } from '../../src/results/types.js';
import { leftovers, readResult, runBench } from './helpers.js';

const MiB = 1024 * 1024;

test('bench all --suite quick: one rootfs in Docker and QEMU, sampled alike, an honest result file', {
  timeout: 300_000,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'twinbench out '));
  const canary = 'canary-7f3e9a-do-not-record';
  const run = await runBench(['all', '--suite', 'quick', '--out', out], { TWINBENCH_TEST_SECRET: canary });
  assert.equal(run.exitCode, 0, run.all);
  const { path, result } = readResult(run.stdout);
  assert.ok(!readFileSync(path, 'utf8').includes(canary), 'result files record no environment variables');
  assert.ok(path.startsWith(out) && path.endsWith('.json'));
  assert.deepEqual(validateResult(result), []);
  const markdown = readFileSync(path.replace(/\.json$/, '.md'), 'utf8');

  // Both runtimes ran the same image content.
  assert.match(result.runtimes.docker?.info.image as string, new RegExp(result.images.rootfsDigest.slice(0, 12)));
  const qemu = result.runtimes.qemu;
  assert.ok(qemu);
  assert.equal(qemu.emulated, qemu.info.accelerator === 'tcg');
  if (qemu.emulated) assert.match(markdown.split('\n').slice(0, 4).join('\n'), /emulation, not virtualization/);

  const completed = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  assert.equal(completed.length, result.trials.length);
  for (const trial of completed) {
    const r = trial.resources;
    const label = trial.trialId;
    if (trial.runtime === 'docker') {
      assert.ok(
        trial.boot.bootToReadyMs > 5 && trial.boot.bootToReadyMs < 10_000,
        `${label} boot ${trial.boot.bootToReadyMs}`,
      );
      assert.equal(trial.boot.guestUptimeAtReadyMs, undefined);
      assert.ok(
        r['cgroup.memory_usage_bytes']!.peak! > 100 * 1024 && r['cgroup.memory_usage_bytes']!.peak! <= 512 * MiB,
        label,
      );
      assert.ok(r['shim.pss_bytes']!.peak! > MiB, `${label}: the containerd shim is sampled`);
    } else {
      assert.ok(
        trial.boot.bootToReadyMs > 200 && trial.boot.bootToReadyMs < 60_000,
        `${label} boot ${trial.boot.bootToReadyMs}`,
      );
      assert.ok(
        trial.boot.guestUptimeAtReadyMs! > 0 && trial.boot.guestUptimeAtReadyMs! < trial.boot.bootToReadyMs,
        label,
      );
      const pss = r['guest.pss_bytes']!.peak!;
      assert.ok(pss > 30 * MiB && pss < 512 * MiB + 300 * MiB, `${label}: QEMU PSS ${pss}`);
      assert.ok(r['cgroup.cpu_seconds']!.atReady! > 0.05, `${label}: booting costs CPU`);
      assert.ok(
        r['cgroup.cpu_seconds']!.atReady! < (trial.boot.bootToReadyMs / 1000) * 4,
        `${label}: CPU to READY is bounded by wall time × threads`,
      );
    }
    // Same sampler, same sources, for both runtimes.
    assert.ok(r['cgroup.memory_working_set_bytes']!.peak! <= r['cgroup.memory_usage_bytes']!.peak!);
    assert.ok(
      r['cgroup.io_read_bytes']!.samples > 0,
      `${label}: I/O is measured (${r['cgroup.io_read_bytes']!.missingReason ?? ''})`,
    );
    assert.ok(trial.series.tMs.length >= 5, `${label}: sampled over time`);
    for (const phase of trial.boot.phases) assert.ok(phase.ms >= 0, `${label} phase ${phase.name} ${phase.ms}`);
  }
  const eps = (runtime: string) => completed.find((t) => t.runtime === runtime && t.workload === 'cpu')?.metrics[0];
  assert.equal(eps('docker')?.unit, 'events/s');
  assert.ok(eps('docker')!.value > 0 && eps('qemu')!.value > 0);
  if (qemu.emulated) assert.ok(eps('qemu')!.value < eps('docker')!.value, 'TCG emulation is slower than native');
  assert.deepEqual(await leftovers(), []);
  assert.ok(!existsSync(join(out, '.tmp')));
});
