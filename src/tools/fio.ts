import { ToolOutputError, metricStem, parseToolJson, requireFigure, type ToolMetric } from './tool-metric.js';

type Direction = 'read' | 'write';

/**
 * Figures from `fio --output-format=json`: per job, for each direction that moved data, IOPS,
 * bandwidth (MiB/s) and completion-latency percentiles p50/p99 (µs). A job with an error, or a
 * job that moved no data, is an error: a zero would read as a measurement.
 */
export function parseFioJson(text: string): ToolMetric[] {
  const root = parseToolJson(text, 'fio');
  const jobs = root.jobs;
  if (!Array.isArray(jobs) || jobs.length === 0) throw new ToolOutputError('fio output has no jobs');
  const metrics: ToolMetric[] = [];
  for (const job of jobs as Record<string, unknown>[]) {
    const jobName = typeof job.jobname === 'string' ? job.jobname : '';
    if (!jobName) throw new ToolOutputError('fio job without a jobname');
    if (job.error !== 0) throw new ToolOutputError(`fio job ${jobName} failed with error ${JSON.stringify(job.error)}`);
    const before = metrics.length;
    for (const direction of ['read', 'write'] as const) metrics.push(...directionFigures(job, jobName, direction));
    if (metrics.length === before) throw new ToolOutputError(`fio job ${jobName} moved no data`);
  }
  return metrics;
}

function directionFigures(job: Record<string, unknown>, jobName: string, direction: Direction): ToolMetric[] {
  const stats = job[direction] as Record<string, unknown> | undefined;
  if (!stats || typeof stats !== 'object') return [];
  const where = `fio ${jobName}.${direction}`;
  if (requireFigure(stats.io_bytes, `${where}.io_bytes`) === 0) return [];
  const stem = `${metricStem(jobName)}`;
  const source = `guest.fio.${jobName}.${direction}`;
  const clat = (stats.clat_ns ?? {}) as Record<string, unknown>;
  const percentiles = (clat.percentile ?? {}) as Record<string, unknown>;
  const percentile = (p: string) => requireFigure(percentiles[p], `${where}.clat_ns.percentile["${p}"]`) / 1000;
  return [
    { name: `${stem}_iops`, value: requireFigure(stats.iops, `${where}.iops`), unit: 'IOPS', source: `${source}.iops` },
    // fio's `bw` is KiB/s.
    {
      name: `${stem}_mib_per_s`,
      value: requireFigure(stats.bw, `${where}.bw`) / 1024,
      unit: 'MiB/s',
      source: `${source}.bw`,
    },
    { name: `${stem}_clat_p50_us`, value: percentile('50.000000'), unit: 'µs', source: `${source}.clat_ns.p50` },
    { name: `${stem}_clat_p99_us`, value: percentile('99.000000'), unit: 'µs', source: `${source}.clat_ns.p99` },
  ];
}
