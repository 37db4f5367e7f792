import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/paths.js';
import { Journal, journalPathFor, type JournalHeader } from '../../../src/results/journal.js';
import { parseResult } from '../../../src/results/read.js';
import type { ResultFile } from '../../../src/results/types.js';

const sample = JSON.parse(
  readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8'),
) as ResultFile;
const { warmups, trials, finishedAt: _end, status: _status, repetitions: _reps, ...header } = sample;

test('a journal left by a harness that died reads as the interrupted result of the trials it finished', () => {
  const path = journalPathFor(join(mkdtempSync(join(tmpdir(), 'twinbench-journal-')), '2026-11-27T000000Z-host.json'));
  assert.match(path, /-host\.partial\.jsonl$/);
  const journal = Journal.open(path, header as JournalHeader);
  journal.record('warmup', warmups[0]!);
  journal.record('trial', trials[0]!);
  journal.record('trial', trials[1]!);
  assert.equal(journal.problem, undefined);
  const result = parseResult(readFileSync(path, 'utf8'), path);
  assert.equal(result.status, 'interrupted');
  assert.deepEqual(
    result.trials.map((t) => t.trialId),
    [trials[0]!.trialId, trials[1]!.trialId],
  );
  assert.equal(result.warmups.length, 1);
  assert.equal(result.runId, sample.runId);
  assert.match(result.notes.at(-1) ?? '', /stopped before its end.*2 trial\(s\) and 1 warm-up/);
  // The crash cut the last line short: the trials before it stand, and the note says a line was left out.
  appendFileSync(path, '{"kind":"trial","at":"2026-11-27T00:00:09.000Z","trial":{"trialId":"qe');
  const cut = parseResult(readFileSync(path, 'utf8'), path);
  assert.equal(cut.trials.length, 2);
  assert.match(cut.notes.at(-1) ?? '', /a last line cut short was left out/);
  journal.remove();
});

test('a journal whose middle line is damaged is refused in one line naming the file and the line', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'twinbench-journal-')), 'x.partial.jsonl');
  const journal = Journal.open(path, header as JournalHeader);
  appendFileSync(path, 'not json\n');
  journal.record('trial', trials[0]!);
  assert.throws(
    () => parseResult(readFileSync(path, 'utf8'), path),
    (error: Error) =>
      /x\.partial\.jsonl: line 2 is not valid JSON/.test(error.message) && !error.message.includes('\n'),
  );
});

test('a journal that cannot be written says why and leaves no partial file', () => {
  // A folder path that runs through a regular file: ENOTDIR.
  const file = join(mkdtempSync(join(tmpdir(), 'twinbench-journal-')), 'plain');
  writeFileSync(file, '');
  const journal = Journal.open(join(file, 'out', 'x.partial.jsonl'), header as JournalHeader);
  assert.match(journal.problem ?? '', /cannot write the run's journal .*plain\/out\/x\.partial\.jsonl/);
  journal.record('trial', trials[0]!);
  assert.equal(existsSync(join(file, 'out')), false);
});

test('the idle windows of the energy baseline are journaled with the trials: a run that died keeps its baseline', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'twinbench-journal-')), 'e.partial.jsonl');
  const journal = Journal.open(path, { ...header, energy: { zones: ['intel-rapl:0'], idle: [] } } as JournalHeader);
  const window = { startedAt: '2026-12-06T00:00:00.000Z', seconds: 2, hostJoules: 41.5, hostCpuSeconds: 0.03 };
  journal.recordIdle(window);
  journal.record('trial', trials[0]!);
  journal.recordIdle({ ...window, hostJoules: 40 });
  const result = parseResult(readFileSync(path, 'utf8'), path);
  assert.deepEqual(result.energy?.idle, [window, { ...window, hostJoules: 40 }]);
  assert.equal(result.trials.length, 1);
  journal.remove();
});
