import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { readResultFile } from '../results/read.js';
import { writeFileAtomic } from '../results/write.js';
import { parseAlpha, parseThreshold } from '../report/check.js';
import type { ResultFile } from '../results/types.js';
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

/** Every `*.json` below a folder, in name order. */
async function jsonFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await jsonFilesUnder(path)));
    else if (entry.isFile() && entry.name.endsWith('.json')) found.push(path);
  }
  return found;
}

/**
 * The result files the arguments name, each handed to `keep` as soon as it is read and then dropped, so that a
 * history of hundreds of runs is held as what `keep` returns (a few kB a run), not as whole files. A file named
 * on the command line must be a result (exit 2 otherwise); JSON files found in a folder that are not results
 * (thresholds, a browser's downloads…) or cannot be read are skipped and listed, so that one bad file among
 * months of them does not hide the rest. A run found twice (a file copied as a baseline) counts once.
 */
export async function readResults<T>(paths: readonly string[], keep: (path: string, result: ResultFile) => T, command = 'bench history'): Promise<{ files: T[]; skipped: { path: string; reason: string }[] }> {
  const files: T[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const seen = new Map<string, string>();
  const add = (path: string, result: ResultFile) => {
    const first = seen.get(result.runId);
    if (first) skipped.push({ path, reason: `the same run (${result.runId}) as ${first}` });
    else {
      seen.set(result.runId, path);
      files.push(keep(path, result));
    }
  };
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (error) {
      throw new UsageError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message})`);
    }
    if (!isDir) {
      add(path, await readResultFile(path));
      continue;
    }
    for (const file of await jsonFilesUnder(path)) {
      try {
        add(file, await readResultFile(file));
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        skipped.push({ path: file, reason: error.message.startsWith(`${file}: `) ? error.message.slice(file.length + 2) : error.message });
      }
    }
  }
  if (files.length === 0) throw new UsageError(`${command} found no result file in ${paths.join(', ')}${skipped.length ? ` (${skipped.length} JSON file(s) skipped, e.g. ${skipped[0]?.path}: ${skipped[0]?.reason})` : ''}`);
  return { files, skipped };
}

/** The result files for `bench history`, each kept as its summary. */
export async function readHistoryInputs(paths: readonly string[]): Promise<{ files: RunSummary[]; skipped: { path: string; reason: string }[] }> {
  return readResults(paths, (path, result) => summarizeRun(path, result));
}

/** `bench history DIR|FILE… [--out FILE.html] [--summary FILE.md]`: a host's figures over time, and what moved. */
export async function runHistory(paths: string[], flags: HistoryFlags, io: CommandIo): Promise<ExitCodeValue> {
  if (paths.length === 0) throw new UsageError('bench history needs at least one folder or result file');
  const alpha = flags.alpha === undefined ? undefined : parseAlpha(flags.alpha);
  const threshold = flags.threshold === undefined ? undefined : parseThreshold(flags.threshold);
  const { files, skipped } = await readHistoryInputs(paths);
  const model = buildHistory(files, { ...(alpha === undefined ? {} : { alpha }), ...(threshold === undefined ? {} : { threshold }) });
  const markdown = renderHistoryMarkdown(model, skipped);
  const out = flags.out ?? 'history.html';
  await writeFileAtomic(out, renderHistoryHtml(model, markdown));
  if (flags.summary) await writeFileAtomic(flags.summary, markdown);
  for (const file of skipped) io.warn(`history: skipped ${file.path}: ${file.reason}`);
  io.out(markdown);
  io.log(`history: ${files.length} run(s) of ${model.hosts.length} host(s), ${model.changes.length} change point(s); page ${out}${flags.summary ? `, summary ${flags.summary}` : ''}`);
  return ExitCode.ok;
}
