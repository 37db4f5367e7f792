import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/paths.js';

/**
 * The floors of src/: the runtimes (src/runtimes/, one folder each, and the table that lists them) sit above
 * everything a run is made of, so that adding a runtime touches its folder and the table only. The CLI, the
 * run's pipeline (orchestrator), `bench density` and `bench setup` (setup/) may import the table; flag and suite-file validation
 * (config/resolve-suite.ts) checks names against it. No other layer imports a runtime: results, reports,
 * suites, the backend contract, sampling, host probes and images read what a run recorded, not the table.
 * Import circles are checked by madge in npm test (scripts/house.sh).
 */
const src = join(packageRoot, 'src');
const allowed = new Set(['config/resolve-suite.ts']);
const above = ['runtimes', 'cli', 'orchestrator', 'density', 'setup'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tsFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The files under src/ that `file` imports (relative specifiers, type-only imports included). */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) =>
    relative(src, resolve(dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts'))),
  );
}

test('no layer below the runtimes imports one (the table, a descriptor, a backend), apart from the names check of flags and suite files', () => {
  const found: string[] = [];
  for (const file of tsFiles(src)) {
    const name = relative(src, file);
    if (above.includes(name.split('/')[0] ?? '') || allowed.has(name)) continue;
    for (const target of importsOf(file)) if (target.startsWith('runtimes/')) found.push(`${name} imports ${target}`);
  }
  assert.deepEqual(found, []);
});

test('the import scanner sees value, type-only and re-export imports, and resolves .js to the .ts source', () => {
  const file = join(src, 'report', 'example.ts');
  const text =
    "import { a } from '../runtimes/table.js';\nimport type { B } from './b.js';\nexport { c } from '../results/types.js';\nimport x from 'node:fs';\n";
  assert.deepEqual(importsOf(file, text), ['runtimes/table.ts', 'report/b.ts', 'results/types.ts']);
});
