import { parseFioJson } from '../tools/fio.js';
import type { ToolMetric } from '../tools/tool-metric.js';

/** Parsers for `TWINBENCH DATA tool=NAME …` lines: a tool's raw output, sent from the guest. */
export const guestDataParsers: Readonly<Record<string, (payload: string) => ToolMetric[]>> = {
  fio: parseFioJson,
};
