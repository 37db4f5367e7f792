/**
 * Benchmark script (not a test): what the memory workload's passes show about this host's memory system,
 * natively and in Docker: each pass over a RAM-sized block (memory, 256 MiB) against the same pass over a
 * cache-resident block (memory-cache, 1 MiB), as the ratio of medians with the repetitions' 95 % intervals.
 * That RAM is slower than a cache is a property of the CPU, so it lives here and not in a test: on a host
 * with a large L3 a sequential store stream to RAM runs at 0.88× the cache-resident one, while random writes
 * fall about 6× and reads about 3×.
 *
 *   node dist/bench/memory-figures.js [--reps N] [--duration S] [--runtimes native,docker] [--out FILE.json]
 *
 * Needs a running Docker engine and the twinbench image (`bench images build`). Writes the figures to FILE.json
 * (default memory-figures.json) and prints a table.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { packageRoot } from '../src/paths.js';
import { describe } from '../src/results/stats.js';
import type { ResultFile } from '../src/results/types.js';

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    duration: { type: 'string', default: '3' },
    runtimes: { type: 'string', default: 'native,docker' },
    out: { type: 'string', default: 'memory-figures.json' },
  },
});
const runtimes = flags.runtimes.split(',');
const passes = ['bandwidth_mib_per_s', 'read_bandwidth_mib_per_s', 'random_write_mib_per_s'];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-memory-figures-'));
  const suite = join(dir, 'suite.json');
  const params = { duration_s: Number(flags.duration) };
  const reps = Number(flags.reps);
  writeFileSync(
    suite,
    JSON.stringify({
      name: 'memory-figures',
      runtimes,
      workloads: [
        { name: 'memory', reps, params },
        { name: 'memory-cache', reps, params },
      ],
    }),
  );
  const run = await execa('node', [join(packageRoot, 'bin', 'bench.js'), 'all', '--suite', suite, '--out', dir], {
    reject: false,
    stderr: 'inherit',
  });
  if (run.exitCode !== 0) throw new Error(`bench all exited ${run.exitCode}`);
  const result = JSON.parse(readFileSync(run.stdout.trim().split('\n').at(-1)!, 'utf8')) as ResultFile;
  const values = (runtime: string, workload: string, name: string) =>
    result.trials.flatMap((t) =>
      t.state === 'completed' && t.runtime === runtime && t.workload === workload
        ? t.metrics.filter((m) => m.name === name).map((m) => m.value)
        : [],
    );
  const rows: Record<string, unknown>[] = [];
  console.log(`| runtime | pass | RAM block (MiB/s) | cache block (MiB/s) | RAM / cache |\n|---|---|---|---|---|`);
  for (const runtime of runtimes) {
    for (const pass of passes) {
      const [ram, cache] = [describe(values(runtime, 'memory', pass)), describe(values(runtime, 'memory-cache', pass))];
      if (!ram || !cache) {
        rows.push({ runtime, pass, missing: 'no completed trial' });
        continue;
      }
      const shown = (s: typeof ram) =>
        `${s.median.toFixed(0)} [${s.ci95 ? `${s.ci95.low.toFixed(0)}, ${s.ci95.high.toFixed(0)}` : '—'}]`;
      rows.push({
        runtime,
        pass,
        ramMedian: ram.median,
        ramCi95: ram.ci95 ?? null,
        cacheMedian: cache.median,
        cacheCi95: cache.ci95 ?? null,
        ratio: ram.median / cache.median,
        n: ram.n,
      });
      console.log(
        `| ${runtime} | ${pass} | ${shown(ram)} | ${shown(cache)} | ${(ram.median / cache.median).toFixed(2)} |`,
      );
    }
  }
  writeFileSync(
    flags.out,
    `${JSON.stringify({ host: result.host.cpu, l3Bytes: result.host.cpu.cacheBytes?.l3 ?? null, reps, params, rows }, null, 2)}\n`,
  );
  console.log(`figures written to ${flags.out}`);
}

main().catch((error: unknown) => {
  console.error(`memory-figures: ${(error as Error).message}`);
  process.exitCode = 1;
});
