/**
 * The end of `npm test` (scripts/test.sh): every suite's TAP file read back, so that nothing passes by not running.
 *
 *   node dist/test/tap-summary.js SUITE=FILE.tap …
 *
 * Prints a table of the time of each top-level test that took a second or more, slowest first, a table of every
 * skipped test with its reason, and last every failed test with its error (the tail of a CI log is often all one reads).
 * Fails (exit 1) when a suite ran no test, or when a skip's reason is not on the allow-list (test/skip-allowlist.txt:
 * the reasons a host may state, such as fewer than 2 CPUs or the other architecture, documented in the README;
 * never something npm test's own setup was meant to provide).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

interface TestLine {
  suite: string;
  name: string;
  ms: number;
  skip?: string;
  ok: boolean;
  /** A failed test's error, from its YAML block: the message and a few lines after it. */
  error?: string;
}

/** The `error:` field of a TAP YAML block (node's reporter: a one-line scalar or a `|-` block), shortened. */
function errorOf(block: string[]): string | undefined {
  const start = block.findIndex((line) => /^ {2}error: /.test(line));
  if (start < 0) return undefined;
  const first = block[start]!.replace(/^ {2}error: /, '');
  let text = [first.replace(/^'(.*)'$/, '$1')];
  if (first === '|-' || first === '|') {
    const rest = block.slice(start + 1);
    const stop = rest.findIndex((line) => line !== '' && !line.startsWith('    '));
    text = rest.slice(0, stop < 0 ? undefined : stop).map((line) => line.slice(4));
  }
  return text
    .filter((line) => line.trim())
    .slice(0, 8)
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line))
    .join('\n');
}

/** Top-level tests of one TAP stream (node's reporter), with their duration and skip reason; and its test count. */
export function readTap(suite: string, text: string): { tests: TestLine[]; count: number | undefined } {
  const lines = text.split('\n');
  const tests: TestLine[] = [];
  let count: number | undefined;
  lines.forEach((line, index) => {
    const result = /^(ok|not ok) \d+ - (.*?)(?: # SKIP ?(.*))?$/.exec(line);
    if (result) {
      const duration = lines
        .slice(index + 1, index + 4)
        .map((next) => /^ {2}duration_ms: ([\d.]+)/.exec(next)?.[1])
        .find((found) => found !== undefined);
      const end = lines.findIndex((next, at) => at > index && /^ {2}\.\.\.$/.test(next));
      const error = result[1] === 'ok' ? undefined : errorOf(lines.slice(index + 1, end < 0 ? undefined : end));
      tests.push({
        suite,
        name: result[2] ?? '',
        ms: Number(duration ?? 0),
        ok: result[1] === 'ok',
        ...(result[3] === undefined ? {} : { skip: result[3] || '(no reason given)' }),
        ...(error === undefined ? {} : { error }),
      });
    }
    const total = /^# tests (\d+)$/.exec(line);
    if (total) count = Number(total[1]);
  });
  return { tests, count };
}

/** The allow-list: one extended regular expression a line, `#` comments. */
export function readAllowList(text: string): RegExp[] {
  return text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => new RegExp(line));
}

function main(): void {
  const allowed = readAllowList(readFileSync(join(packageRoot, 'test', 'skip-allowlist.txt'), 'utf8'));
  const problems: string[] = [];
  const all: TestLine[] = [];
  for (const argument of process.argv.slice(2)) {
    const [suite, file] = argument.split('=') as [string, string];
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      problems.push(`${suite}: no TAP output (${file}): the suite did not run`);
      continue;
    }
    const { tests, count } = readTap(suite, text);
    if (!count) problems.push(`${suite}: ran no test`);
    all.push(...tests);
  }
  const seconds = (ms: number) => (ms / 1000).toFixed(1).padStart(7);
  console.log('\n== time per test (top level, slowest first, 1 s and over)\n');
  console.log('| suite | s | test |\n|---|---|---|');
  const slow = [...all].filter((test) => test.ms >= 1000 || !test.ok).sort((a, b) => b.ms - a.ms);
  for (const test of slow)
    console.log(`| ${test.suite} | ${seconds(test.ms)} | ${test.name}${test.ok ? '' : ' (FAILED)'} |`);
  console.log(`\nand ${all.length - slow.length} tests under 1 s each`);
  const bySuite = new Map<string, number>();
  for (const test of all) bySuite.set(test.suite, (bySuite.get(test.suite) ?? 0) + test.ms);
  console.log(`\n${[...bySuite].map(([suite, ms]) => `${suite}: ${(ms / 1000).toFixed(0)} s`).join(', ')}`);
  const skipped = all.filter((test) => test.skip !== undefined);
  console.log(`\n== skipped tests: ${skipped.length}\n`);
  if (skipped.length) console.log('| suite | test | reason | allowed |\n|---|---|---|---|');
  for (const test of skipped) {
    const ok = allowed.some((pattern) => pattern.test(test.skip ?? ''));
    console.log(`| ${test.suite} | ${test.name} | ${test.skip} | ${ok ? 'yes' : '**no**'} |`);
    if (!ok)
      problems.push(`${test.suite}: "${test.name}" skipped for a reason not on test/skip-allowlist.txt: ${test.skip}`);
  }
  // Last, so that the tail of a CI log, often all one gets to read, says what failed and why.
  const failed = all.filter((test) => !test.ok);
  console.log(`\n== failed tests: ${failed.length}`);
  for (const test of failed)
    console.log(
      `\n${test.suite}: ${test.name}\n${(test.error ?? '(no error message in the TAP stream)').replace(/^/gm, '    ')}`,
    );
  for (const problem of problems) console.error(`test: ${problem}`);
  process.exitCode = problems.length ? 1 : 0;
}

main();
