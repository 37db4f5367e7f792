import type { CheckReport } from './check.js';
import { cell, formatNumber } from './format.js';

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** JUnit XML: one test case per metric; a regression is a failure, missing data a skip. */
export function renderJunit(report: CheckReport, name: string): string {
  const failures = report.rows.filter((row) => row.verdict === 'regressed').length;
  const skipped = report.rows.filter((row) => row.verdict === 'insufficient-data').length + report.missing.length;
  const cases = report.rows.map((row) => {
    const body =
      row.verdict === 'regressed'
        ? `<failure message="${xml(row.reason)}">${xml(`${row.key}: ${formatNumber(row.baselineMedian)} → ${formatNumber(row.currentMedian)} ${row.unit}`)}</failure>`
        : row.verdict === 'insufficient-data'
          ? `<skipped message="${xml(row.reason)}"/>`
          : `<system-out>${xml(`${row.verdict}: ${row.reason}`)}</system-out>`;
    return `    <testcase classname="twinbench.${xml(report.mode)}" name="${xml(row.key)}">${body}</testcase>`;
  });
  for (const key of report.missing) cases.push(`    <testcase classname="twinbench.${report.mode}" name="${xml(key)}"><skipped message="not in the current result"/></testcase>`);
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

/** Markdown summary for a CI job page. */
export function renderCheckMarkdown(report: CheckReport, baseline: string, current: string): string {
  const regressed = report.rows.filter((row) => row.verdict === 'regressed');
  const head = regressed.length ? `**${regressed.length} regression(s)**` : '**No regression**';
  const lines = [
    '# twinbench check',
    '',
    `${head}: \`${current}\` against baseline \`${baseline}\` (${report.mode === 'ratios' ? 'VM/container ratios, across hosts' : 'absolute figures, same host'}).`,
    '',
    '| verdict | figure | baseline | current | change |',
    '|---|---|---|---|---|',
  ];
  const order = { regressed: 0, improved: 1, unchanged: 2, 'insufficient-data': 3 };
  for (const row of [...report.rows].sort((a, b) => order[a.verdict] - order[b.verdict])) {
    lines.push(`| ${row.verdict} | ${cell(row.key)} (${row.unit}, ${row.direction} is better) | ${formatNumber(row.baselineMedian)} | ${formatNumber(row.currentMedian)} | ${cell(row.reason)} |`);
  }
  if (report.missing.length) lines.push('', `Not in the current result: ${report.missing.map((key) => `\`${key}\``).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
