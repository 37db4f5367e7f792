import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeFamily, testFigure, type CheckRow } from '../../../src/report/regression.js';
import { hostFiguresWorkload, isGatingFigure } from '../../../src/results/figures.js';
import { seededRandom } from '../../../src/results/random.js';
import { holmAdjust, permutationShiftTest } from '../../../src/results/permutation.js';

/** Normal samples via Box-Muller from a seeded generator. */
function normal(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
}

const figure = (index: number, direction: 'higher' | 'lower' = 'higher') => ({
  key: `docker/cpu/metric_${index}`,
  metric: `metric_${index}`,
  unit: 'events/s',
  direction,
});

/**
 * The two-level noise model of a real host: each run draws its own level (between-run sd, relative), each trial
 * varies around it (within-run sd). A run is `trials` values.
 */
function runsOf(
  random: () => number,
  runs: number,
  trials: number,
  level: number,
  between: number,
  within: number,
): number[][] {
  return Array.from({ length: runs }, () =>
    normal(random, trials, level * (1 + between * normal(random, 1, 0, 1)[0]!), level * within),
  );
}

interface Scenario {
  size: number;
  baselineRuns: number;
  trials: number;
  /** Between-run sd as a multiple of the within-run sd (3 %). */
  ratio: number;
  shift: number;
  threshold: number;
  /** Within-run sd, relative (default 3 %). */
  within?: number;
  /** Also run the trial-level permutation test, for comparison. */
  trialLevel?: boolean;
}

/** One simulated check: `size` gating figures, the first one's current run shifted by `shift` (worse). */
function simulate(seed: number, s: Scenario): { runLevel: CheckRow[]; trialLevelAlarm: boolean } {
  const random = seededRandom(seed);
  const within = s.within ?? 0.03;
  const rows: CheckRow[] = [];
  const trialP: number[] = [];
  for (let index = 0; index < s.size; index++) {
    const baseline = runsOf(random, s.baselineRuns, s.trials, 100, s.ratio * within, within);
    const current = runsOf(random, 1, s.trials, index === 0 ? 100 * (1 - s.shift) : 100, s.ratio * within, within);
    rows.push(testFigure(figure(index), baseline, current, s.threshold, true));
    // What the trial-level test said: the last baseline run's trials against the current run's (pseudoreplication).
    if (s.trialLevel) trialP.push(permutationShiftTest(baseline.at(-1)!, current[0]!, 'lower').p);
  }
  const adjusted = holmAdjust(trialP);
  return { runLevel: judgeFamily(rows, 0.01, holmAdjust), trialLevelAlarm: adjusted.some((p) => p < 0.01) };
}

test('simulation, two-level noise: A/A false alarms of the run-level check stay ≤ α for a history baseline, where the trial-level test alarms often', () => {
  // 6,000 seeds: a true rate of 1.5 α (90 expected) exceeds the bound below with probability ≈ 0.99; the design rate (≤ 60) stays under it with ≈ 0.99.
  const seeds = 6000;
  const bound = 75;
  for (const ratio of [1, 2, 3]) {
    const scenario = { size: 1, baselineRuns: 5, trials: 8, ratio, shift: 0, threshold: 0, trialLevel: true };
    let alarms = 0;
    let trialAlarms = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const outcome = simulate(seed * 7919 + ratio, scenario);
      if (outcome.runLevel[0]?.verdict === 'regressed') alarms++;
      if (outcome.trialLevelAlarm) trialAlarms++;
    }
    console.log(
      `A/A, between-run sd = ${ratio}× within, 5 baseline runs × 8 trials, threshold 0, α = 0.01: run-level ${alarms}/${seeds} = ${(alarms / seeds).toFixed(4)}; trial-level permutation test ${trialAlarms}/${seeds} = ${(trialAlarms / seeds).toFixed(4)}`,
    );
    assert.ok(alarms <= bound, `run-level false alarms ${alarms} of ${seeds} (bound ${bound})`);
    // Why: with runs that differ by more than their trials, the trial-level test mistakes the run's own level for a change.
    assert.ok(trialAlarms > 10 * bound, `trial-level false alarms ${trialAlarms}`);
  }
  // A family of 27 gating figures (Holm) at the default thresholds: the family-wise rate stays ≤ α.
  let familyAlarms = 0;
  const familySeeds = 1500;
  for (let seed = 1; seed <= familySeeds; seed++)
    if (
      simulate(seed, { size: 27, baselineRuns: 5, trials: 8, ratio: 2, shift: 0, threshold: 0.05 }).runLevel.some(
        (row) => row.verdict === 'regressed',
      )
    )
      familyAlarms++;
  console.log(
    `A/A, 27 gating figures, between = 2× within, 5 baseline runs, 5 % thresholds: ${familyAlarms}/${familySeeds} checks with any false alarm`,
  );
  assert.ok(familyAlarms <= 25, `${familyAlarms} family-wise false alarms of ${familySeeds}`);
});

test('simulation, two-level noise: power to find a 20 % drop, one of 27 gating figures (Holm), by baseline runs: stated and asserted', () => {
  // 500 seeds: a power estimate's standard error is ≤ 0.023, so the 0.05 margin below is over 2 of them and a loss of 0.1 fails.
  const seeds = 500;
  // Within-run sd 1 % (sysbench cpu's on a quiet host), between-run sd 1–3× that.
  const power = (ratio: number, baselineRuns: number) => {
    let found = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      if (
        simulate(seed, { size: 27, baselineRuns, trials: 8, ratio, shift: 0.2, threshold: 0.05, within: 0.01 })
          .runLevel[0]?.verdict === 'regressed'
      )
        found++;
    }
    return found / seeds;
  };
  // Measured with these seeds (README, "How the gate decides"); a loss of 0.1 anywhere fails.
  const expected: Record<number, number[]> = { 1: [0.982, 1, 1], 2: [0.572, 0.996, 1], 3: [0.246, 0.832, 0.996] };
  for (const ratio of [1, 2, 3]) {
    const measured = [5, 10, 20].map((runs) => power(ratio, runs));
    console.log(
      `power, 20 % drop, within-run sd 1 %, between-run sd ${ratio}×, one of 27 gating figures, α = 0.01: ${measured.map((p, i) => `${p.toFixed(3)} with ${[5, 10, 20][i]} baseline runs`).join(', ')}`,
    );
    for (const [i, p] of measured.entries())
      assert.ok(p >= expected[ratio]![i]! - 0.05, `between ${ratio}×, ${[5, 10, 20][i]} runs: power ${p}`);
  }
});

test('a regression needs significance and a change beyond the threshold; unchanged needs the bound inside it; improvements are told apart', () => {
  const history = [
    [100, 101, 99],
    [100.5, 101, 100],
    [99.6, 100, 99],
    [100.2, 100, 101],
    [99.8, 100, 99],
  ];
  const judge = (current: number[][], threshold = 0.05) =>
    judgeFamily([testFigure(figure(0), history, current, threshold, true)], 0.01, holmAdjust)[0]!;
  assert.equal(judge([[80, 81, 79]]).verdict, 'regressed');
  assert.equal(judge([[120, 121, 119]]).verdict, 'improved');
  const same = judge([[100, 101, 100]]);
  assert.equal(same.verdict, 'unchanged');
  assert.ok((same.bound ?? 1) < 0.05 && (same.bound ?? 0) > 0, `${same.bound}`);
  // 3 % worse: significant against this quiet history but inside the threshold, and its bound too: unchanged.
  assert.equal(judge([[97, 97.5, 96.5]], 0.08).verdict, 'unchanged');
  // 5 % worse against a 5 % threshold and a noisier history: not significant at 0.01, nor inside the threshold: inconclusive.
  const noisier = [
    [100, 101, 99],
    [102, 101, 103],
    [98.5, 99, 98],
    [101, 100, 102],
    [99, 98, 100],
  ];
  const edge = judgeFamily([testFigure(figure(0), noisier, [[95, 94.5, 95.5]], 0.05, true)], 0.01, holmAdjust)[0]!;
  assert.equal(edge.verdict, 'inconclusive');
  assert.match(edge.reason, /confirming run/);
  assert.equal(testFigure(figure(0), [], [[80, 81]], 0.05, true).verdict, 'insufficient-data');
});

test('one baseline run never passes silently: 3 vs 3 with the throughput halved is inconclusive, with the runs that would decide it (before: "unchanged")', () => {
  const row = judgeFamily([testFigure(figure(0), [[100, 101, 99]], [[50, 51, 49]], 0.05, true)], 0.05, holmAdjust)[0]!;
  assert.equal(row.verdict, 'inconclusive');
  assert.match(row.reason, /run-to-run noise is not estimated/);
  assert.ok((row.runsNeeded ?? 0) >= 2, `${row.runsNeeded}`);
  // With a calibrated run-to-run spread (bench calibrate), the same pair is decided.
  const calibrated = judgeFamily(
    [testFigure(figure(0), [[100, 101, 99]], [[50, 51, 49]], 0.05, true, { relativeSd: 0.02, df: 4 })],
    0.05,
    holmAdjust,
  )[0]!;
  assert.equal(calibrated.verdict, 'regressed');
});

test('Holm is applied before any verdict: of two gating figures, the one Holm rejects regresses (before: labelled underpowered and passed)', () => {
  const quiet = [
    [100, 100.2, 99.8],
    [100.3, 100.1, 100.2],
    [99.9, 99.8, 100],
    [100.1, 100, 100.2],
    [99.8, 100, 99.9],
  ];
  const noisy = [
    [100, 95, 105],
    [108, 104, 106],
    [92, 95, 94],
    [103, 100, 99],
    [97, 101, 98],
  ];
  const rows = judgeFamily(
    [
      testFigure(figure(0), quiet, [[98, 98.1, 97.9]], 0.05, true),
      testFigure(figure(1), noisy, [[70, 71, 69]], 0.05, true),
    ],
    0.01,
    holmAdjust,
  );
  assert.equal(rows[0]?.verdict, 'unchanged');
  assert.ok((rows[1]?.pAdjusted ?? 1) < 0.01, `${rows[1]?.pAdjusted}`);
  assert.equal(rows[1]?.verdict, 'regressed');
});

test('the detectable change includes the threshold and the noise seen: never below the threshold, larger with more noise', () => {
  const quiet = judgeFamily(
    [testFigure(figure(0), [[100], [100.5], [99.5], [100.2], [99.8]], [[100]], 0.05, true)],
    0.01,
    holmAdjust,
  )[0]!;
  const noisy = judgeFamily(
    [testFigure(figure(0), [[100], [110], [90], [105], [95]], [[100]], 0.05, true)],
    0.01,
    holmAdjust,
  )[0]!;
  assert.ok((quiet.detectable ?? 0) >= 0.05, `${quiet.detectable}`);
  assert.ok((noisy.detectable ?? 0) > 0.2, `${noisy.detectable}`);
  // The quiet history shows the same run unchanged; the noisy one cannot, and says how many runs would.
  assert.equal(quiet.verdict, 'unchanged');
  assert.equal(noisy.verdict, 'inconclusive');
  // One current run's own spread (7.9 %) exceeds the 5 % threshold: more history cannot decide it, and it says so.
  assert.equal(noisy.runsNeeded, undefined);
  assert.match(noisy.reason, /no number of baseline runs decides it/);
  const middling = judgeFamily(
    [testFigure(figure(0), [[100], [101.5], [98.5], [101], [99]], [[100]], 0.05, true)],
    0.01,
    holmAdjust,
  )[0]!;
  assert.equal(middling.verdict, 'inconclusive');
  assert.ok((middling.runsNeeded ?? 0) > 5, `${middling.runsNeeded}`);
});

test('key figures gate, with boot and working set of the idle workload; tails and secondary resources inform', () => {
  const fig = (metric: string, workload = 'disk', keyFigure?: boolean) => ({
    metric,
    workload,
    ...(keyFigure === undefined ? {} : { keyFigure }),
  });
  for (const entry of [
    fig('boot.bootToReadyMs', 'idle'),
    fig('cgroup.memory_working_set_bytes.peak', 'idle'),
    fig('randread_4k_iops', 'disk', true),
  ]) {
    assert.ok(isGatingFigure(entry, 'idle'), entry.metric);
  }
  // Boot measured again in the disk workload, a declared non-key figure, tails and secondary resources only inform.
  for (const entry of [
    fig('boot.bootToReadyMs'),
    fig('randread_4k_clat_p50_us', 'disk', false),
    fig('guest.pss_bytes.peak', 'idle'),
    fig('cgroup.cpu_seconds.atReady', 'idle'),
  ]) {
    assert.ok(!isGatingFigure(entry, 'idle'), `${entry.workload}/${entry.metric}`);
  }
  // Files from before key figures: every workload figure but its tails.
  assert.ok(isGatingFigure(fig('randread_4k_clat_p50_us'), 'idle'));
  assert.ok(!isGatingFigure(fig('randread_4k_clat_p99_us'), 'idle'));
  // The workload with no figure of its own (idle, whatever it is called), else the first by name.
  const boot = (workload: string) => ({ workload, metric: 'boot.bootToReadyMs' });
  const metric = (workload: string, name: string) => ({ workload, metric: name });
  assert.equal(hostFiguresWorkload([metric('disk', 'iops'), metric('cpu', 'events_per_s')]), 'cpu');
  assert.equal(hostFiguresWorkload([metric('disk', 'iops'), boot('disk'), boot('idle')]), 'idle');
  assert.equal(hostFiguresWorkload([metric('cpu', 'events_per_s'), boot('cpu'), boot('rest')]), 'rest');
});
