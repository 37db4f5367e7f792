import type { CheckReport, RunProblem } from './check.js';
import { describe } from '../results/stats.js';
import { cell, formatNumber, formatStats } from './format.js';
import type { CheckRow } from './regression.js';

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Whether a row fails the check: a gating regression, or a gating figure that cannot be judged (unless waived). */
function rowFails(row: CheckRow, report: CheckReport): boolean {
  if (!row.gates) return false;
  if (row.verdict === 'regressed') return true;
  const weak = report.problems.find((problem) => problem.kind === 'too-few-repetitions');
  return (row.verdict === 'underpowered' || row.verdict === 'insufficient-data') && weak !== undefined && !weak.waived;
}

/** JUnit XML: one test case per run problem and per figure; what fails the check is a failure, informative figures are output. */
export function renderJunit(report: CheckReport, name: string): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const problem of report.problems) {
    if (problem.waived) skipped++;
    else failures++;
    const body = problem.waived ? `<skipped message="${xml(`waived: ${problem.message}`)}"/>` : `<failure message="${xml(problem.message)}"/>`;
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

const order: Record<CheckRow['verdict'], number> = { regressed: 0, underpowered: 1, 'insufficient-data': 2, improved: 3, unchanged: 4 };

function figureTable(rows: readonly CheckRow[]): string[] {
  const lines = ['| verdict | figure | baseline median | current median | change of the mean, p | detectable at these reps | threshold |', '|---|---|---|---|---|---|---|'];
  for (const row of [...rows].sort((a, b) => order[a.verdict] - order[b.verdict])) {
    const detectable = row.minimumDetectable === undefined ? (row.pWorse === undefined ? '—' : 'nothing') : `${(row.minimumDetectable * 100).toFixed(1)} %`;
    lines.push(
      `| ${row.verdict} | ${cell(row.key)} (${row.unit}, ${row.direction} is better) | ${formatStats(describe(row.baselineValues))} | ` +
        `${formatStats(describe(row.currentValues))} | ${cell(row.reason)} | ${detectable} | ${(row.threshold * 100).toFixed(1)} % |`,
    );
  }
  return lines;
}

function problemLine(problem: RunProblem): string {
  return `- ${problem.waived ? '(waived) ' : ''}**${problem.kind}**: ${cell(problem.message)}`;
}

/** Markdown summary for a CI job page. */
export function renderCheckMarkdown(report: CheckReport, baseline: string, current: string): string {
  const regressed = report.rows.filter((row) => row.gates && row.verdict === 'regressed');
  const open = report.problems.filter((problem) => !problem.waived);
  const head = report.failed
    ? `**Check failed**: ${regressed.length} regression(s)${open.length ? `, ${open.length} problem(s) with the run` : ''}`
    : '**No regression**';
  const gating = report.rows.filter((row) => row.gates);
  const informative = report.rows.filter((row) => !row.gates);
  const lines = [
    '# twinbench check',
    '',
    `${head}: \`${current}\` against baseline \`${baseline}\` (${report.mode === 'ratios' ? 'ratios between runtimes, across hosts' : 'absolute figures, same host'}).`,
    '',
    `Medians: median [95 % interval of the median] n. Test: one-sided permutation test of the difference of means (exact where the splits are few), a regression needs p < ${report.alpha} ` +
      `after ${report.correction} **and** a change beyond the figure's threshold. "Detectable" is the smallest change of the baseline's own values this test would flag at these repetitions.`,
  ];
  if (report.problems.length) lines.push('', '## Problems with the run', '', ...report.problems.map(problemLine));
  if (report.hostDifferences.length) {
    lines.push('', '## What differs between the two runs (each can move figures by itself)', '', ...report.hostDifferences.map((line) => `- ${cell(line)}`));
  }
  lines.push('', `## Gating figures (${gating.length})`, '', ...figureTable(gating));
  if (informative.length) lines.push('', `## Informative figures (${informative.length}: not key figures; uncorrected, never fail the check)`, '', ...figureTable(informative));
  if (report.rows.some((row) => row.verdict === 'underpowered')) {
    lines.push('', `Underpowered figures could not have failed whatever the data: add repetitions (\`--reps\`) to both runs.`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line per waived problem, so the step log says what the opt-out let through. */
export function describeWaived(report: CheckReport): string[] {
  return report.problems.filter((problem) => problem.waived).map((problem) => `check: waived (${problem.kind}): ${problem.message}`);
}
