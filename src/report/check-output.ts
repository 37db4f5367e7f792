import type { CheckReport, RunProblem } from './check.js';
import { describe } from '../results/stats.js';
import { formatNumber, formatStats, literal, markdownTable } from './format.js';
import type { CheckRow } from './regression.js';

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Whether a row fails the check: a gating regression, or a gating figure left undecided (unless waived). */
function rowFails(row: CheckRow, report: CheckReport): boolean {
  if (!row.gates) return false;
  if (row.verdict === 'regressed') return true;
  const undecided = report.problems.find((problem) => problem.kind === 'inconclusive');
  return (
    (row.verdict === 'inconclusive' || row.verdict === 'insufficient-data') &&
    undecided !== undefined &&
    !undecided.waived
  );
}

/** JUnit XML: one test case per run problem and per figure; what fails the check is a failure, informative figures are output. */
export function renderJunit(report: CheckReport, name: string): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const problem of report.problems) {
    if (problem.waived) skipped++;
    else failures++;
    const body = problem.waived
      ? `<skipped message="${xml(`waived: ${problem.message}`)}"/>`
      : `<failure message="${xml(problem.message)}"/>`;
    cases.push(`    <testcase classname="twinbench.run" name="${xml(problem.kind)}">${body}</testcase>`);
  }
  for (const row of report.rows) {
    const fails = rowFails(row, report);
    if (fails) failures++;
    const summary = `${row.key}: ${formatNumber(row.baselineMedian)} → ${formatNumber(row.currentMedian)} ${row.unit} (medians)`;
    const body = fails
      ? `<failure message="${xml(row.reason)}">${xml(summary)}</failure>`
      : `<system-out>${xml(`${row.gates ? 'gating' : 'informative'}, ${row.verdict}: ${row.reason}`)}</system-out>`;
    cases.push(`    <testcase classname="twinbench.${xml(report.mode)}" name="${xml(row.key)}">${body}</testcase>`);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="twinbench check" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

const order: Record<CheckRow['verdict'], number> = {
  regressed: 0,
  inconclusive: 1,
  'insufficient-data': 2,
  improved: 3,
  unchanged: 4,
};

const percentOrDash = (value: number | undefined) => (value === undefined ? '—' : `${(value * 100).toFixed(1)} %`);

function figureTable(rows: readonly CheckRow[]): string[] {
  return markdownTable(
    [
      'verdict',
      'figure',
      "baseline: all runs' trials",
      'current',
      'change of the run medians, p, why',
      'run-to-run sd',
      'within-run sd',
      'detectable (80 %)',
      'threshold',
    ],
    [...rows]
      .sort((a, b) => order[a.verdict] - order[b.verdict])
      .map((row) => [
        row.verdict,
        `${literal(row.key, true)} (${literal(row.unit, true)}, ${row.direction} is better)`,
        `${formatStats(describe(row.baselineValues))}, ${row.test.baselineRuns} run(s)`,
        `${formatStats(describe(row.currentValues))}${row.test.currentRuns > 1 ? `, ${row.test.currentRuns} runs` : ''}`,
        literal(row.reason, true),
        percentOrDash(row.test.runSd),
        percentOrDash(row.test.withinSd),
        percentOrDash(row.detectable),
        `${(row.threshold * 100).toFixed(1)} %`,
      ]),
  );
}

function problemLine(problem: RunProblem): string {
  return `- ${problem.waived ? '(waived) ' : ''}**${problem.kind}**: ${literal(problem.message)}`;
}

/** Markdown summary for a CI job page. */
export function renderCheckMarkdown(report: CheckReport, baseline: string, current: string): string {
  const regressed = report.rows.filter((row) => row.gates && row.verdict === 'regressed');
  const open = report.problems.filter((problem) => !problem.waived);
  const broken = open.filter((problem) => problem.kind !== 'inconclusive');
  const undecided = report.rows.filter(
    (row) => row.gates && (row.verdict === 'inconclusive' || row.verdict === 'insufficient-data'),
  );
  const head =
    report.outcome === 'regressed'
      ? `**Check failed: regressed**: ${regressed.length} regression(s)${broken.length ? `, ${broken.length} problem(s) with the run` : ''}`
      : report.outcome === 'inconclusive'
        ? `**Inconclusive**: ${undecided.length} gating figure(s) neither regressed nor shown unchanged`
        : `**Unchanged**: no regression${undecided.length ? ` (${undecided.length} inconclusive figure(s) waived)` : ''}`;
  const gating = report.rows.filter((row) => row.gates);
  const informative = report.rows.filter((row) => !row.gates);
  const lines = [
    '# twinbench check',
    '',
    `${head}: ${literal(current)} against baseline ${literal(baseline)} (${report.baselineRuns} run(s); ${report.mode === 'ratios' ? 'ratios between runtimes, across hosts' : 'absolute figures, same host'}).`,
    '',
    `Medians: median [95 % interval of the median] n. The unit of the test is the run: each run's median of a figure, the current run(s) against the baseline runs ` +
      `(Student's t on run medians, the run-to-run noise estimated from the runs themselves and from \`bench calibrate\`). ` +
      `*Regressed* needs p < ${report.alpha} after ${report.correction} **and** a change beyond the figure's threshold; *unchanged* needs the change's ${((1 - report.alpha) * 100).toFixed(0)} % upper bound inside the threshold; ` +
      `anything else is *inconclusive*, with what would decide it. "Detectable" is the true change this check flags with 80 % probability at the noise and runs seen.`,
  ];
  if (report.problems.length) lines.push('', '## Problems with the run', '', ...report.problems.map(problemLine));
  if (report.hostDifferences.length) {
    lines.push(
      '',
      '## What differs between the two runs (each can move figures by itself)',
      '',
      ...report.hostDifferences.map((line) => `- ${literal(line)}`),
    );
  }
  lines.push('', `## Gating figures (${gating.length})`, '', ...figureTable(gating));
  if (informative.length)
    lines.push(
      '',
      `## Informative figures (${informative.length}: not key figures; Holm over their own family, never fail the check)`,
      '',
      ...figureTable(informative),
    );
  if (report.rows.some((row) => row.gates && row.verdict === 'inconclusive')) {
    lines.push(
      '',
      "Inconclusive figures are decided by more baseline runs (`--baseline` a folder of this host's earlier results) or by a confirming run of the same software (`bench check --baseline … CURRENT CONFIRMING`).",
    );
  }
  if (report.skippedBaselines.length)
    lines.push(
      '',
      '## Baseline files left out',
      '',
      ...report.skippedBaselines.map((file) => `- ${literal(file.path)}: ${literal(file.reason)}`),
    );
  return `${lines.join('\n')}\n`;
}

/** One line per waived problem, so the step log says what the opt-out let through. */
export function describeWaived(report: CheckReport): string[] {
  return report.problems
    .filter((problem) => problem.waived)
    .map((problem) => `check: waived (${problem.kind}): ${problem.message}`);
}
