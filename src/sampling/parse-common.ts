/** Parse a file holding one non-negative integer (`memory.current`, `cpuacct.usage`); `max` → undefined. */
export function parseSingleInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/**
 * Split `text` into lines and each line at its first run of `separator` characters: the parsers run
 * on every sample, so this scans by index instead of a regular expression per line.
 */
function eachKeyValue(text: string, visit: (key: string, rest: string) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const space = line.search(/\s/);
    if (space > 0) visit(line.slice(0, space), line.slice(space).trim());
  }
}

const integerText = /^-?\d+$/;

/** Parse flat-keyed files (`key value` per line: memory.stat, cpu.stat, cpuacct.stat). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  eachKeyValue(text, (key, rest) => {
    if (integerText.test(rest)) values.set(key, Number(rest));
  });
  return values;
}

/** `123 kB` → 125952, `4096` → 4096; anything else undefined. */
function colonValue(value: string): number | undefined {
  const kilobytes = value.endsWith(' kB') || value.endsWith('\tkB');
  const digits = kilobytes ? value.slice(0, -2).trimEnd() : value;
  return /^\d+$/.test(digits) ? Number(digits) * (kilobytes ? 1024 : 1) : undefined;
}

/** Parse `Key:   123 kB` lines (status, smaps_rollup, io) into numbers; kB values become bytes. */
export function parseColonKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  eachKeyValue(text, (word, rest) => {
    if (word.length < 2 || !word.endsWith(':') || word.indexOf(':') !== word.length - 1) return;
    const value = colonValue(rest);
    if (value !== undefined) values.set(word.slice(0, -1), value);
  });
  return values;
}

/** The rest of the line that starts with `head`, or undefined when no line does. */
function afterLineStart(text: string, head: string): string | undefined {
  let found = 0;
  if (!text.startsWith(head)) {
    const at = text.indexOf(`\n${head}`);
    if (at < 0) return undefined;
    found = at + 1;
  }
  const end = text.indexOf('\n', found);
  return text.slice(found + head.length, end < 0 ? text.length : end);
}

/**
 * The given keys of a flat-keyed file (`key value` lines), found by index: for files read on every
 * sample (memory.stat has ~40 lines, the sampler needs 3). A key absent or not an integer is left out.
 */
export function pickFlatKeyed(text: string, keys: readonly string[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const key of keys) {
    const value = afterLineStart(text, `${key} `)?.trim();
    if (value !== undefined && integerText.test(value)) values.set(key, Number(value));
  }
  return values;
}

/**
 * The given keys of a `Key:   123 kB` file (status, smaps_rollup, io), found by index like
 * `pickFlatKeyed`; kB values become bytes. Same result as `parseColonKeyed` for those keys.
 */
export function pickColonKeyed(text: string, keys: readonly string[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const key of keys) {
    const rest = afterLineStart(text, `${key}:`);
    // The value must be separated from the colon by whitespace, as parseColonKeyed requires.
    const value = rest !== undefined && /^\s/.test(rest) ? colonValue(rest.trim()) : undefined;
    if (value !== undefined) values.set(key, value);
  }
  return values;
}
