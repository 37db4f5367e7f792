import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { readResultFile } from '../results/read.js';
import { renderComparison } from '../report/compare.js';
import type { CommandIo } from './io.js';

/** `bench compare A.json B.json [C.json…]`: 2 to 20 results side by side. */
export async function runCompare(files: string[], io: CommandIo): Promise<ExitCodeValue> {
  if (files.length < 2 || files.length > 20) throw new UsageError(`bench compare takes 2 to 20 result files, got ${files.length}`);
  const results = [];
  for (const file of files) results.push({ path: file, result: await readResultFile(file) });
  io.out(renderComparison(results));
  return ExitCode.ok;
}
