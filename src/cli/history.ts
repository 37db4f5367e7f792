import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { readResults } from '../results/read-many.js';
import { writeFileAtomic } from '../results/write.js';
import { parseAlpha, parseThreshold } from '../report/check.js';
import { buildHistory, renderHistoryMarkdown } from '../report/history.js';
import { summarizeRun, type RunSummary } from '../report/run-summary.js';
import { renderHistoryHtml } from '../report/history-html.js';
import type { CommandIo } from './io.js';

/** Flags of `bench history`. */
export interface HistoryFlags {
  out?: string;
  summary?: string;
  alpha?: string;
  threshold?: string;
}

/** The result files for `bench history`, each kept as its summary. */
async function readHistoryInputs(
  paths: readonly string[],
): Promise<{ files: RunSummary[]; skipped: { path: string; reason: string }[] }> {
  return readResults(paths, (path, result) => summarizeRun(path, result));
}

/** `bench history DIR|FILE… [--out FILE.html] [--summary FILE.md]`: a host's figures over time, and what moved. */
export async function runHistory(paths: string[], flags: HistoryFlags, io: CommandIo): Promise<ExitCodeValue> {
  if (paths.length === 0) throw new UsageError('bench history needs at least one folder or result file');
  const alpha = flags.alpha === undefined ? undefined : parseAlpha(flags.alpha);
  const threshold = flags.threshold === undefined ? undefined : parseThreshold(flags.threshold);
  const { files, skipped } = await readHistoryInputs(paths);
  const model = buildHistory(files, {
    ...(alpha === undefined ? {} : { alpha }),
    ...(threshold === undefined ? {} : { threshold }),
  });
  const markdown = renderHistoryMarkdown(model, skipped);
  const out = flags.out ?? 'history.html';
  await writeFileAtomic(out, renderHistoryHtml(model, markdown));
  if (flags.summary) await writeFileAtomic(flags.summary, markdown);
  for (const file of skipped) io.warn(`history: skipped ${file.path}: ${file.reason}`);
  io.out(markdown);
  io.log(
    `history: ${files.length} run(s) of ${model.hosts.length} host(s), ${model.changes.length} change point(s); page ${out}${flags.summary ? `, summary ${flags.summary}` : ''}`,
  );
  return ExitCode.ok;
}
