/** Parse a file holding one non-negative integer (`memory.current`, `cpuacct.usage`); `max` → undefined. */
export function parseSingleInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/** Parse flat-keyed files (`key value` per line: memory.stat, cpu.stat, cpuacct.stat). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s+(-?\d+)\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) values.set(match[1], Number(match[2]));
  }
  return values;
}

/** Parse `Key:   123 kB` lines (status, smaps_rollup, io) into numbers; kB values become bytes. */
export function parseColonKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\d+)(\s+kB)?\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) {
      values.set(match[1], Number(match[2]) * (match[3] ? 1024 : 1));
    }
  }
  return values;
}
