import { closeSync, constants, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { jsonSyntaxProblem } from '../json-problem.js';
import type { IdleWindow, ResultFile, TrialResult } from './types.js';
import { syncFolder } from './write.js';

/** What a run knows before its first trial: the result file without trials, warm-ups, end and status. */
export type JournalHeader = Omit<ResultFile, 'warmups' | 'trials' | 'finishedAt' | 'status' | 'repetitions'>;

/** First line of a journal; every later line is one finished trial or warm-up, or an idle window of the energy baseline. */
const journalMark = 'twinbench-journal';

/** The journal beside a result file: `<name>.partial.jsonl`. */
export function journalPathFor(resultPath: string): string {
  return resultPath.replace(/\.json$/, '.partial.jsonl');
}

/**
 * A run's journal: the header line, then one line per finished trial, each appended (and on disk) before
 * the next trial starts, as hyperfine exports after each benchmark. A harness that dies mid-run leaves it
 * behind; `bench report`, `compare` and `check` read it as an interrupted result. The finished run's result
 * file replaces it.
 */
export class Journal {
  readonly path: string;
  #problem: string | undefined;
  /** The journal's file, open for appending until the run's result replaces it. */
  #fd: number | undefined;

  private constructor(path: string) {
    this.path = path;
  }

  /** Start the journal with the run's header; a folder that cannot be written is reported by `problem`. */
  static open(path: string, header: JournalHeader): Journal {
    const journal = new Journal(path);
    journal.#write(() => {
      mkdirSync(dirname(path), { recursive: true });
      // Appending: every line lands at the end, as appendFile did.
      journal.#fd = openSync(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND,
        0o644,
      );
      journal.#append(`${JSON.stringify({ kind: journalMark, version: 1, header })}\n`);
      // The new file's name is on disk too, not only its bytes.
      syncFolder(dirname(path));
    });
    return journal;
  }

  /**
   * Append one finished trial, synchronously and with fsync: it is on disk before the next trial begins, so a
   * power cut loses no more than a SIGKILL would.
   */
  record(kind: 'trial' | 'warmup', trial: TrialResult): void {
    if (this.#problem === undefined)
      this.#write(() => this.#append(`${JSON.stringify({ kind, at: new Date().toISOString(), trial })}\n`));
  }

  /** Append one idle window of the run's energy baseline (ResultFile.energy.idle), as a trial is. */
  recordIdle(window: IdleWindow): void {
    if (this.#problem === undefined)
      this.#write(() => this.#append(`${JSON.stringify({ kind: 'idle', at: new Date().toISOString(), window })}\n`));
  }

  #append(line: string): void {
    if (this.#fd === undefined) throw new Error('the journal is closed');
    const bytes = Buffer.from(line);
    for (let written = 0; written < bytes.length; ) written += writeSync(this.#fd, bytes, written);
    fsyncSync(this.#fd);
  }

  #close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Closed already, or the disk went away: nothing more to write to it either way.
    }
    this.#fd = undefined;
  }

  /** Why the journal stopped being written, if it did (the run goes on; the final write reports its own error). */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** The result file was written: the journal is no longer needed. */
  remove(): void {
    this.#close();
    removeQuietly(this.path);
  }

  #write(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#problem = `cannot write the run's journal ${this.path}: ${(error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'disk full' : (error as Error).message}`;
      // A journal with a gap would pass for the run's trials: none is better.
      this.#close();
      removeQuietly(this.path);
    }
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing there to remove (its folder cannot exist either).
  }
}

/** Whether a file's text is a journal (its first line carries the journal mark). */
export function isJournal(text: string): boolean {
  return text.startsWith(`{"kind":"${journalMark}"`);
}

/**
 * Assemble a journal into a result: its header, the trials it holds, status `interrupted`, the time of the
 * last line as the end. A last line cut short by the crash is left out and said so in the notes.
 */
export function resultFromJournal(text: string, file: string): Record<string, unknown> {
  const lines = text.split('\n');
  const complete = lines.slice(0, -1);
  const cut = lines.at(-1) !== '';
  const first = complete[0] ?? '';
  let header: JournalHeader;
  try {
    header = (JSON.parse(first) as { header: JournalHeader }).header;
  } catch (error) {
    throw new UsageError(`${file}: the journal's header line is not valid JSON (${jsonSyntaxProblem(first, error)})`);
  }
  if (typeof header !== 'object' || header === null) throw new UsageError(`${file}: the journal has no header`);
  const warmups: TrialResult[] = [];
  const trials: TrialResult[] = [];
  let finishedAt = header.startedAt;
  for (const [index, line] of complete.slice(1).entries()) {
    let entry: { kind?: unknown; at?: unknown; trial?: unknown; window?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch (error) {
      throw new UsageError(`${file}: line ${index + 2} is not valid JSON (${jsonSyntaxProblem(line, error)})`);
    }
    if (entry.kind === 'idle' && typeof entry.window === 'object' && entry.window !== null && header.energy) {
      header.energy.idle = [...(header.energy.idle ?? []), entry.window as IdleWindow];
      continue;
    }
    if (
      (entry.kind !== 'trial' && entry.kind !== 'warmup') ||
      typeof entry.trial !== 'object' ||
      entry.trial === null
    ) {
      throw new UsageError(`${file}: line ${index + 2} is not a trial of the journal`);
    }
    (entry.kind === 'trial' ? trials : warmups).push(entry.trial as TrialResult);
    if (typeof entry.at === 'string') finishedAt = entry.at;
  }
  const notes = [
    ...(Array.isArray(header.notes) ? header.notes : []),
    `Assembled from the journal of a run that stopped before its end (the harness died or was killed): ${trials.length} trial(s) and ${warmups.length} warm-up(s) finished and were kept${cut ? '; a last line cut short was left out' : ''}.`,
  ];
  return { ...header, finishedAt, status: 'interrupted', warmups, trials, notes };
}
