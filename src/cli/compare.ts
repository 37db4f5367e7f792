import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { readResultFile } from '../results/read.js';
import { renderComparison } from '../report/compare.js';
import { renderFleetComparison } from '../report/fleet.js';
import type { CommandIo } from './io.js';

/** Beyond this many files a column per file stops being readable: `auto` switches to a row per host. */
const fleetLayoutFrom = 7;

/** `bench compare A.json B.json [C.json…] [--layout auto|columns|fleet]`: results side by side. */
export async function runCompare(files: string[], flags: { layout?: string }, io: CommandIo): Promise<ExitCodeValue> {
  if (files.length < 2) throw new UsageError(`bench compare takes 2 or more result files, got ${files.length}`);
  const layout = flags.layout ?? 'auto';
  if (!['auto', 'columns', 'fleet'].includes(layout))
    throw new UsageError(`--layout must be auto, columns or fleet, got ${JSON.stringify(layout)}`);
  const results = [];
  for (const file of files) results.push({ path: file, result: await readResultFile(file) });
  const fleet = layout === 'fleet' || (layout === 'auto' && files.length >= fleetLayoutFrom);
  io.out(fleet ? renderFleetComparison(results) : renderComparison(results));
  return ExitCode.ok;
}
