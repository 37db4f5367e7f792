/**
 * What `npm test`'s setup changed on this host, against the README's list of host changes (its `host-changes`
 * block, in "Security and threat model").
 *
 *   node dist/test/host-changes.js BEFORE AFTER SETUP_LOG
 *
 * BEFORE and AFTER are scripts/host-state.sh's output before setup and after it (and after npm test's own
 * installs); SETUP_LOG is what they printed. Every line that appeared or went must match a rule of the README's
 * block; a package may also come in as a dependency of one that setup named in its `apt-get install` line, and
 * each package so named must be one the block allows by name. Exit 1 naming each change the README does not
 * list. On a host that had everything already, nothing changed and nothing is checked but that.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

/** The README's rules: `+ REGEX` or `- REGEX` lines of its ```host-changes block (a line a rule, `#` comments). */
export function readRules(readme: string): { sign: '+' | '-'; pattern: RegExp }[] {
  const block = /```host-changes\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ```host-changes block');
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => /^[+-] /.test(line))
    .map((line) => ({ sign: line[0] as '+' | '-', pattern: new RegExp(`^${line.slice(2).trim()}$`) }));
}

/** Lines of AFTER not in BEFORE (`+`) and of BEFORE not in AFTER (`-`). */
export function changes(before: string, after: string): string[] {
  const lines = (text: string) => new Set(text.split('\n').filter(Boolean));
  const [was, is] = [lines(before), lines(after)];
  return [
    ...[...is].filter((line) => !was.has(line)).map((line) => `+ ${line}`),
    ...[...was].filter((line) => !is.has(line)).map((line) => `- ${line}`),
  ];
}

/** The packages setup and npm test asked apt-get for, from their log lines `apt-get install a b c`. */
export function requestedPackages(log: string): string[] {
  return [...log.matchAll(/apt-get install((?: [a-z0-9][a-z0-9+.-]*)+)/g)].flatMap((match) =>
    match[1]!.trim().split(' '),
  );
}

function main(): void {
  const [beforeFile, afterFile, logFile] = process.argv.slice(2);
  if (!beforeFile || !afterFile || !logFile) throw new Error('usage: host-changes BEFORE AFTER SETUP_LOG');
  const runtimePackages = execFileSync('sh', ['-c', 'cat src/runtimes/*/host-packages'], {
    cwd: packageRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[2])
    .filter((name): name is string => Boolean(name));
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8').replace(
    '@runtime-host-packages',
    `(${[...new Set(runtimePackages)].map((name) => name.replace(/[.+]/g, '\\$&')).join('|')})`,
  );
  const rules = readRules(readme);
  const allowed = (line: string) =>
    rules.some((rule) => line.startsWith(`${rule.sign} `) && rule.pattern.test(line.slice(2)));
  const found = changes(readFileSync(beforeFile, 'utf8'), readFileSync(afterFile, 'utf8'));
  const requested = requestedPackages(readFileSync(logFile, 'utf8'));
  const problems = requested
    .filter((name) => !allowed(`+ package ${name}`))
    .map((name) => `setup installed ${name} by name, which the README does not list`);
  // Dependencies of what was asked for come in too: the closure apt itself computes.
  let closure = new Set<string>();
  if (requested.length) {
    const text = execFileSync(
      'apt-cache',
      [
        'depends',
        '--recurse',
        '--no-recommends',
        '--no-suggests',
        '--no-conflicts',
        '--no-breaks',
        '--no-replaces',
        '--no-enhances',
        ...requested,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
    );
    closure = new Set(
      text
        .split('\n')
        .map((line) =>
          line
            .replace(/^\s*(\|?(Pre)?Depends: )?/, '')
            .replace(/^<|>$/g, '')
            .replace(/:\w+$/, '')
            .trim(),
        )
        .filter(Boolean),
    );
  }
  for (const change of found) {
    if (allowed(change)) continue;
    const pkg = /^\+ package (\S+)$/.exec(change)?.[1];
    if (pkg && closure.has(pkg.replace(/:\w+$/, ''))) continue;
    problems.push(`a change the README's host-changes list does not name: ${change}`);
  }
  console.log(
    `== host changes by setup: ${found.length} (${found.filter((line) => line.startsWith('+ package')).length} packages; ${requested.length} asked for by name)`,
  );
  for (const change of found.filter((line) => !line.startsWith('+ package'))) console.log(`   ${change}`);
  for (const problem of problems) console.error(`test: ${problem}`);
  process.exitCode = problems.length ? 1 : 0;
}

if (process.argv[1]?.endsWith('host-changes.js')) main();
