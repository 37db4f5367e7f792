import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { jsonSyntaxProblem } from '../../../src/json-problem.js';
import { packageRoot } from '../../../src/paths.js';
import { parseResult } from '../../../src/results/read.js';

const sample = readFileSync(join(packageRoot, 'test', 'fixtures', 'results', 'quick-v1.json'), 'utf8');

test('a JSON fault whose neighbourhood spans lines is reported on one line, with V8 quoting the text', () => {
  // V8 quotes the text around an unexpected token, so a newline near the fault is in its message.
  const at = sample.indexOf('"schemaVersion":') + '"schemaVersion":'.length;
  const broken = `${sample.slice(0, at)}\n${sample.slice(at + 1)}`;
  assert.throws(
    () => JSON.parse(broken),
    (error: Error) => error.message.includes('\n'),
  );
  assert.throws(
    () => parseResult(broken, 'r.json'),
    (error: unknown) =>
      error instanceof UsageError && /^r\.json: not valid JSON/.test(error.message) && !error.message.includes('\n'),
  );
});

test('a JSON fault at a position is placed as line and column', () => {
  const text = '{"a": 1,\n  "b" 2\n}';
  let message = '';
  try {
    JSON.parse(text);
  } catch (error) {
    message = jsonSyntaxProblem(text, error);
  }
  assert.match(message, /line 2 column 7$/);
  assert.ok(!message.includes('\n'));
});
