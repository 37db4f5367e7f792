/**
 * Benchmark script (not a test): `bench check` and `bench history` against a lab-sized history.
 *
 *   node dist/bench/history-scale.js RESULT.json [--runs 300] [--trials 210] [--dir DIR]
 *
 * From one real result file it writes a history of `--runs` files of `--trials` completed trials each (the
 * default suite has 3 runtimes × 7 workloads × 10 repetitions = 210): the file's own trials repeated with new
 * ids and repetitions, each run scaled by its own level (±1 %, seeded) and started a day apart. Test data for the
 * cost of reading a history, not measurements. Then it times `bench check --baseline DIR CURRENT` and `bench
 * history DIR` as child processes, with their peak memory (ru_maxrss through /usr/bin/time), and prints one
 * line each. Target (issue #26): check ≤ 30 s and ≤ 1 GiB at 300 runs.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { packageRoot } from '../src/paths.js';
import { seededRandom } from '../src/results/random.js';
import type { ResultFile, TrialResult } from '../src/results/types.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '300' },
    trials: { type: 'string', default: '210' },
    dir: { type: 'string' },
  },
});
const source = positionals[0];
if (!source) throw new Error('usage: history-scale.js RESULT.json [--runs N] [--trials N] [--dir DIR]');
const template = JSON.parse(readFileSync(source, 'utf8')) as ResultFile;
const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'twinbench-history-scale-'));
const runsDir = join(dir, 'runs');
mkdirSync(runsDir, { recursive: true });
const completed = template.trials.filter((trial) => trial.state === 'completed');
if (completed.length === 0) throw new Error(`${source}: no completed trial to repeat`);

/** One run of the history: the template's trials repeated to `count`, every figure scaled by `level`. */
function run(index: number, level: number, count: number): ResultFile {
  const trials: TrialResult[] = [];
  for (let i = 0; i < count; i++) {
    const trial = structuredClone(completed[i % completed.length]!);
    const rep = Math.floor(i / completed.length) + 1;
    Object.assign(trial, { rep, trialId: `${trial.runtime}-${trial.workload}-${rep}-${i}` });
    if (trial.state === 'completed') {
      trial.boot.bootToReadyMs *= level;
      for (const metric of trial.metrics) metric.value *= level;
    }
    trials.push(trial);
  }
  const started = new Date(Date.parse(template.startedAt) - (Number(flags.runs) - index) * 86_400_000).toISOString();
  return { ...template, runId: `${template.runId}-scale-${index}`, startedAt: started, trials };
}

async function timed(label: string, args: string[]): Promise<void> {
  const child = await execa('/usr/bin/time', ['-f', '%e %M', 'node', join(packageRoot, 'bin', 'bench.js'), ...args], {
    reject: false,
    all: true,
  });
  const [seconds, kib] = (child.stderr.trim().split('\n').at(-1) ?? '').split(' ');
  console.log(`${label}: exit ${child.exitCode}, ${seconds} s wall, ${(Number(kib) / 1024).toFixed(0)} MiB peak RSS`);
}

async function main(): Promise<void> {
  const random = seededRandom(26);
  const count = Number(flags.trials);
  for (let index = 0; index < Number(flags.runs); index++) {
    writeFileSync(
      join(runsDir, `run-${String(index).padStart(4, '0')}.json`),
      JSON.stringify(run(index, 1 + 0.01 * (2 * random() - 1), count)),
    );
  }
  const current = join(dir, 'current.json');
  writeFileSync(
    current,
    JSON.stringify({
      ...run(Number(flags.runs), 1, count),
      runId: `${template.runId}-scale-current`,
      startedAt: template.startedAt,
    }),
  );
  const size = readFileSync(current).length;
  console.log(`history: ${flags.runs} runs of ${count} trials in ${runsDir} (${(size / 2 ** 20).toFixed(1)} MiB each)`);
  await timed(`bench check --baseline (${flags.runs} runs)`, [
    'check',
    '--baseline',
    runsDir,
    current,
    '--junit',
    join(dir, 'check.xml'),
    '--summary',
    join(dir, 'check.md'),
  ]);
  await timed(`bench history (${flags.runs} runs)`, [
    'history',
    runsDir,
    '--out',
    join(dir, 'history.html'),
    '--summary',
    join(dir, 'history.md'),
  ]);
}

main().catch((error: unknown) => {
  console.error(`history-scale: ${(error as Error).message}`);
  process.exitCode = 1;
});
