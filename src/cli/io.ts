/** What a command may do to the outside world: print, and watch for Ctrl-C. */
export interface CommandIo {
  /** Primary output (stdout): reports, paths, JSON. */
  out(text: string): void;
  /** Progress and informational lines (stderr, so stdout stays machine-readable). */
  log(line: string): void;
  /** A transient status line: rewritten in place on a TTY, a plain line otherwise. */
  progress(line: string): void;
  warn(line: string): void;
  readonly signal: AbortSignal;
}

/** The real terminal. */
export function processIo(signal: AbortSignal): CommandIo {
  const tty = process.stderr.isTTY === true;
  let transient = false;
  const clear = () => {
    if (transient) process.stderr.write('\r\x1b[2K');
    transient = false;
  };
  return {
    out: (text) => {
      clear();
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    log: (line) => {
      clear();
      process.stderr.write(`${line}\n`);
    },
    progress: (line) => {
      if (!tty) return void process.stderr.write(`${line}\n`);
      clear();
      process.stderr.write(line.slice(0, (process.stderr.columns || 80) - 1));
      transient = true;
    },
    warn: (line) => {
      clear();
      process.stderr.write(`warning: ${line}\n`);
    },
    signal,
  };
}
