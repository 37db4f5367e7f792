import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { checkOutDir } from '../../../src/results/out-dir.js';

test('--out under a pseudo file system or below a file is refused at once, naming the path; a new folder on a real one is fine', () => {
  for (const [path, why] of [
    ['/proc/x', /\/proc is on the kernel's proc pseudo file system/],
    ['/sys/kernel/x/y', /\/sys\/kernel is on the kernel's sysfs pseudo file system/],
  ] as const) {
    assert.throws(
      () => checkOutDir(path),
      (error: unknown) =>
        error instanceof UsageError && why.test(error.message) && error.message.startsWith(`--out ${path}: `),
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'twinbench-out-'));
  checkOutDir(join(dir, 'new', 'results'));
  writeFileSync(join(dir, 'file'), '');
  assert.throws(() => checkOutDir(join(dir, 'file', 'results')), /is a file, not a folder/);
});
