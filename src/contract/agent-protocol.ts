/** A line the guest agent (or the initramfs) printed, parsed. */
export type AgentEvent =
  | { readonly type: 'initramfs'; readonly uptimeSeconds: number }
  | { readonly type: 'ready'; readonly uptimeSeconds: number }
  | {
      readonly type: 'result';
      readonly name: string;
      readonly value: number;
      readonly unit: string;
      readonly source: string;
    }
  | { readonly type: 'exit'; readonly status: number }
  /** The guest's own view of the memory it uses, at READY and just before EXIT (see workloads/agent.sh). */
  | { readonly type: 'memory'; readonly at: 'ready' | 'exit'; readonly usedBytes: number; readonly source: string }
  /** A tool's raw output on one line (`TWINBENCH DATA tool=fio {…}`), parsed on the host. */
  | { readonly type: 'data'; readonly tool: string; readonly payload: string }
  /** Every server of the workload listens: the host may run its client now. */
  | { readonly type: 'listen' }
  | { readonly type: 'error'; readonly message: string };

function fields(rest: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of rest.trim().split(/\s+/)) {
    const at = pair.indexOf('=');
    if (at > 0) map.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return map;
}

function finite(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Parse one console line; anything that is not a well-formed `TWINBENCH …` line is undefined. */
export function parseAgentLine(rawLine: string): AgentEvent | undefined {
  // A carriage return mid-line (a tool's progress meter on a tty) is overwritten by what follows it.
  const line = rawLine.replace(/\r$/, '').split('\r').at(-1) ?? '';
  const data = /^TWINBENCH DATA tool=([a-z0-9-]+) (.*)$/.exec(line);
  if (data?.[1] && data[2] !== undefined) return { type: 'data', tool: data[1], payload: data[2] };
  if (line === 'TWINBENCH LISTEN') return { type: 'listen' };
  const match = /^TWINBENCH (READY|INITRAMFS|RESULT|MEMORY|EXIT|ERROR)(?:\s+(.*))?$/.exec(line);
  if (!match?.[1]) return undefined;
  const rest = match[2] ?? '';
  const kv = fields(rest);
  switch (match[1]) {
    case 'READY':
    case 'INITRAMFS': {
      const uptimeSeconds = finite(kv.get('uptime_s'));
      if (uptimeSeconds === undefined) return undefined;
      return { type: match[1] === 'READY' ? 'ready' : 'initramfs', uptimeSeconds };
    }
    case 'RESULT': {
      const name = kv.get('name');
      const value = finite(kv.get('value'));
      const unit = kv.get('unit');
      const source = kv.get('source');
      if (!name || value === undefined || !unit || !source) return undefined;
      return { type: 'result', name, value, unit, source };
    }
    case 'MEMORY': {
      const at = kv.get('at');
      const usedBytes = finite(kv.get('used_bytes'));
      const source = kv.get('source');
      if ((at !== 'ready' && at !== 'exit') || usedBytes === undefined || usedBytes < 0 || !source) return undefined;
      return { type: 'memory', at, usedBytes, source };
    }
    case 'EXIT': {
      const status = finite(kv.get('status'));
      return status === undefined ? undefined : { type: 'exit', status };
    }
    default:
      return { type: 'error', message: rest };
  }
}

/** Splits a byte stream into lines and keeps the last `keep` lines for error reports. */
export class ConsoleLines {
  readonly #keep: number;
  readonly #tail: string[] = [];
  #partial = '';

  constructor(keep = 60) {
    this.#keep = keep;
  }

  /** Feed a chunk; returns the complete lines it finished. */
  push(chunk: string): string[] {
    const text = this.#partial + chunk;
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    const lines = parts.map((line) => line.replace(/\r$/, ''));
    for (const line of lines) {
      this.#tail.push(line);
      if (this.#tail.length > this.#keep) this.#tail.shift();
    }
    return lines;
  }

  /** The last lines seen, including an unfinished one. */
  tail(): string {
    return [...this.#tail, ...(this.#partial ? [this.#partial] : [])].join('\n');
  }
}
