import { jsonSyntaxProblem } from '../json-problem.js';

/** A figure parsed from a benchmark tool's own output (fio, iperf3, sockperf, redis-benchmark). */
export interface ToolMetric {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Where the figure comes from, e.g. `guest.fio.randread-4k.read.iops`. */
  readonly source: string;
}

/** The tool's output could not be turned into figures; the message says what was wrong. */
export class ToolOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolOutputError';
  }
}

/** A finite, non-negative number or a ToolOutputError naming the field. */
export function requireFigure(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ToolOutputError(`${what} is missing or not a non-negative number (${JSON.stringify(value)})`);
  }
  return value;
}

/** Parse JSON output or throw a ToolOutputError that names the tool. */
export function parseToolJson(text: string, tool: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ToolOutputError(`${tool} output is not JSON (${jsonSyntaxProblem(text, error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ToolOutputError(`${tool} output is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Metric-name form of a tool's label: `randread-4k` → `randread_4k`. */
export function metricStem(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
