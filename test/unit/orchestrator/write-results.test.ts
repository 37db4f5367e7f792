import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeResults } from '../../../src/orchestrator/bench-run.js';
import type { ResultFile } from '../../../src/results/types.js';

const result = { runId: 'r1', trials: [] } as unknown as ResultFile;

function fakes() {
  const warnings: string[] = [];
  const journal = {
    removed: 0,
    problem: undefined as string | undefined,
    path: '/nowhere/r1.partial.jsonl',
    remove() {
      this.removed++;
    },
  };
  return { warnings, hooks: { warn: (line: string) => warnings.push(line) }, journal };
}

/** Run `body` with TWINBENCH_CACHE set to a fresh folder (where rescue copies go), restored after. */
async function withCache(body: (cache: string) => Promise<void>): Promise<void> {
  const cache = mkdtempSync(join(tmpdir(), 'twinbench-cache-'));
  const previous = process.env.TWINBENCH_CACHE;
  process.env.TWINBENCH_CACHE = cache;
  try {
    await body(cache);
  } finally {
    if (previous === undefined) delete process.env.TWINBENCH_CACHE;
    else process.env.TWINBENCH_CACHE = previous;
  }
}

test('JSON and Markdown written: the journal goes, no warning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-write-'));
  const { warnings, hooks, journal } = fakes();
  const path = await writeResults(join(dir, 'run.json'), result, '# report\n', hooks, journal);
  assert.equal(path, join(dir, 'run.json'));
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).runId, 'r1');
  assert.equal(readFileSync(join(dir, 'run.md'), 'utf8'), '# report\n');
  assert.equal(journal.removed, 1);
  assert.deepEqual(warnings, []);
});

test('only the Markdown fails: the JSON stays where it was written, no rescue copy, and the warning says so truly', () =>
  withCache(async (cache) => {
    const dir = mkdtempSync(join(tmpdir(), 'twinbench-write-'));
    mkdirSync(join(dir, 'run.md')); // a folder where the report goes: its write fails
    const { warnings, hooks, journal } = fakes();
    await assert.rejects(writeResults(join(dir, 'run.json'), result, '# report\n', hooks, journal), /run\.md/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).runId, 'r1');
    assert.equal(
      existsSync(join(cache, 'unwritten-results')) ? readdirSync(join(cache, 'unwritten-results')).length : 0,
      0,
      'nothing copied elsewhere',
    );
    assert.equal(journal.removed, 1, 'the result is safe: the journal goes');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(
        `^the results are in ${join(dir, 'run.json')}; only their Markdown report could not be written: \`bench report --out ${join(dir, 'run.md')} ${join(dir, 'run.json')}\` makes it again$`,
      ),
    );
    assert.doesNotMatch(warnings[0]!, /instead/);
  }));

test('the JSON fails: the results go to the cache folder, and the warning names it', () =>
  withCache(async (cache) => {
    const dir = mkdtempSync(join(tmpdir(), 'twinbench-write-'));
    mkdirSync(join(dir, 'run.json'));
    const { warnings, hooks, journal } = fakes();
    await assert.rejects(writeResults(join(dir, 'run.json'), result, '# report\n', hooks, journal), /run\.json/);
    const rescue = join(cache, 'unwritten-results', 'run.json');
    assert.equal(JSON.parse(readFileSync(rescue, 'utf8')).runId, 'r1');
    assert.deepEqual(warnings, [`the results were saved to ${rescue} instead`]);
    assert.equal(journal.removed, 1);
  }));
