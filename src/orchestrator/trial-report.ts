import type { WorkloadMetric } from '../config/workload-manifest.js';
import { describeError } from '../errors.js';
import type { RawEvidence, WorkloadMetricValue } from '../results/types.js';
import type { ToolMetric } from '../tools/tool-metric.js';
import { guestDataParsers } from './guest-data.js';

/** Each piece of raw evidence is kept up to this many characters. */
const evidenceCap = 128 * 1024;

/** Cap raw output: keep the start of a tool's output (its summary), or the end of a console. */
export function capEvidence(source: string, text: string, keep: 'start' | 'end'): RawEvidence {
  if (text.length <= evidenceCap) return { source, text };
  return {
    source,
    text: keep === 'start' ? text.slice(0, evidenceCap) : text.slice(-evidenceCap),
    truncatedChars: text.length - evidenceCap,
  };
}

/**
 * What a trial's guest and host clients report, as it arrives: the figures its manifest declares (with their
 * direction and key-figure mark), errors, a failing tool's raw output, and the raw evidence behind the figures.
 */
export class TrialReport {
  readonly metrics: WorkloadMetricValue[] = [];
  readonly errors: string[] = [];
  readonly evidence: RawEvidence[] = [];
  /** A host tool's raw output when it failed (kept with an errored trial). */
  toolOutput: string | undefined;
  readonly #declared: readonly WorkloadMetric[];

  constructor(declared: readonly WorkloadMetric[]) {
    this.#declared = declared;
  }

  /** A figure, kept when the manifest declares it (others are ignored). */
  addMetric(figure: ToolMetric): void {
    const declared = this.#declared.find((metric) => metric.name === figure.name);
    if (declared)
      this.metrics.push({
        name: figure.name,
        value: figure.value,
        unit: figure.unit,
        source: figure.source,
        direction: declared.direction,
        keyFigure: declared.keyFigure === true,
      });
  }

  /** A tool's raw output, from its start (its summary). */
  readonly keepEvidence = (source: string, text: string): void => {
    this.evidence.push(capEvidence(source, text, 'start'));
  };

  /** A guest tool's raw output (a DATA line): parsed on the host into figures, and kept. */
  addGuestData(tool: string, payload: string): void {
    const parse = guestDataParsers[tool];
    try {
      if (!parse) throw new Error(`no parser for tool "${tool}"`);
      for (const figure of parse(payload)) this.addMetric(figure);
      this.keepEvidence(`guest.${tool}`, payload);
    } catch (error) {
      this.errors.push(`${tool} output: ${describeError(error)}`);
    }
  }

  /** Why the trial failed, from what was reported: a non-zero exit, or a declared figure nobody printed. */
  problem(exitStatus: number): string | undefined {
    const said = this.errors.length ? `: ${this.errors.join('; ')}` : '';
    if (exitStatus !== 0) return `workload exited with status ${exitStatus}${said}`;
    const missing = this.#declared
      .filter((metric) => !this.metrics.some((m) => m.name === metric.name))
      .map((m) => m.name);
    return missing.length > 0 ? `workload printed no value for ${missing.join(', ')}${said}` : undefined;
  }
}
