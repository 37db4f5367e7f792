import type { ResultFile } from '../results/types.js';

function field(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV, one row per metric sample: boot figures, phases, workload metrics and every sampled value. */
export function renderCsv(results: readonly { path: string; result: ResultFile }[]): string {
  const rows = [
    [
      'file',
      'run_id',
      'trial_id',
      'runtime',
      'workload',
      'rep',
      'state',
      'kind',
      'name',
      't_ms',
      'value',
      'unit',
      'source',
    ].join(','),
  ];
  for (const { path, result } of results) {
    for (const trial of result.trials) {
      const head = [path, result.runId, trial.trialId, trial.runtime, trial.workload, trial.rep, trial.state];
      const push = (kind: string, name: string, tMs: number | undefined, value: number, unit: string, source: string) =>
        rows.push([...head, kind, name, tMs, value, unit, source].map(field).join(','));
      if (trial.state === 'aborted') continue;
      if (trial.boot) {
        push('boot', 'bootToReadyMs', undefined, trial.boot.bootToReadyMs, 'ms', 'host.clock');
        for (const phase of trial.boot.phases)
          push('phase', phase.name, undefined, phase.ms, 'ms', `${phase.clock}.clock`);
      }
      for (const metric of trial.metrics ?? [])
        push('metric', metric.name, undefined, metric.value, metric.unit, metric.source);
      const series = trial.series;
      if (!series) continue;
      for (const [name, column] of Object.entries(series.columns)) {
        column.values.forEach((value, i) => {
          if (value !== null) push('sample', name, series.tMs[i], value, column.unit, column.source);
        });
      }
    }
  }
  return `${rows.join('\n')}\n`;
}
