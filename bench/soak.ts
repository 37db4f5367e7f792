/**
 * Benchmark script (not a test): the zero-length soak. `npm run bench:soak [-- --reps N]` runs N idle guests of
 * duration 0 per runtime (native, Docker, QEMU; default 50, 150 trials) and counts the trials that lack a figure a
 * guest of any length must have (boot time, CPU seconds, peak memory, a last sample after the guest is gone): a race
 * between a guest's exit and the sampler shows here, a few trials in a hundred, where the 10-a-runtime slice in
 * `npm test` may miss it. Writes soak.json (counts, problems, boot medians per runtime, wall time) and exits 1 when
 * any trial lacks a figure. Run it before a release and after any change to the sampler or a backend's exit path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { packageRoot } from '../src/paths.js';
import { describe } from '../src/results/stats.js';
import type { ResultFile } from '../src/results/types.js';
import { zeroLengthRunProblems, zeroLengthSuite } from '../test/zero-length.js';

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string', default: '50' },
    runtimes: { type: 'string', default: 'native,docker,qemu' },
    out: { type: 'string', default: 'soak.json' },
  },
});
const runtimes = flags.runtimes.split(',');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-soak-'));
  const suite = join(dir, 'suite.json');
  writeFileSync(suite, JSON.stringify(zeroLengthSuite(runtimes, Number(flags.reps))));
  const started = performance.now();
  const run = await execa(
    'node',
    [join(packageRoot, 'bin', 'bench.js'), 'all', '--suite', suite, '--warmup', '0', '--out', dir],
    { reject: false, stderr: 'inherit' },
  );
  const seconds = (performance.now() - started) / 1000;
  const file = run.stdout.trim().split('\n').at(-1) ?? '';
  const result = JSON.parse(readFileSync(file, 'utf8')) as ResultFile;
  const problems = zeroLengthRunProblems(result);
  const perRuntime = Object.fromEntries(
    runtimes.map((runtime) => {
      const trials = result.trials.filter((trial) => trial.runtime === runtime);
      const boots = trials.flatMap((trial) => (trial.state === 'completed' ? [trial.boot.bootToReadyMs] : []));
      return [
        runtime,
        { trials: trials.length, completed: boots.length, bootMedianMs: describe(boots)?.median ?? null },
      ];
    }),
  );
  writeFileSync(
    flags.out,
    `${JSON.stringify({ reps: Number(flags.reps), exitCode: run.exitCode, wallSeconds: Math.round(seconds), perRuntime, problems }, null, 2)}\n`,
  );
  console.log(
    `soak: ${result.trials.length} trials in ${seconds.toFixed(0)} s, bench all exit ${run.exitCode}, ${problems.length} trial(s) lacking a figure; ${flags.out}`,
  );
  for (const problem of problems.slice(0, 20)) console.log(`  ${problem}`);
  process.exitCode = run.exitCode === 0 && problems.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`soak: ${(error as Error).message}`);
  process.exitCode = 1;
});
