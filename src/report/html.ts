import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { aggregate } from '../results/aggregate.js';
import { describe } from '../results/stats.js';
import type { CompletedTrial, ResultFile } from '../results/types.js';
import { packageRoot } from '../paths.js';
import { marked } from 'marked';
import { renderMarkdown } from './markdown.js';
import { ratioSamples } from './ratios.js';

const require = createRequire(import.meta.url);

/**
 * The Markdown carries text from guests and from result files of other hosts (error messages,
 * console lines): neutralise any markup in it before rendering. Our own Markdown has none.
 */
function escapeMarkup(markdown: string): string {
  return markdown.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
}

/** JSON made safe inside a <script> element (no `</script>`, no raw line separators). */
function jsonSafe(text: string): string {
  return text.replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

/** Code made safe inside a <script> element: only a closing tag could end it early. */
function codeSafe(text: string): string {
  return text.replaceAll('</script', '<\\/script');
}

function html(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** What the page's script draws: boot phases, metrics with spread, ratios, and one series per runtime. */
function chartData(result: ResultFile) {
  const groups = aggregate(result);
  const firstIdle = (runtime: string) =>
    result.trials.find((t): t is CompletedTrial => t.state === 'completed' && t.runtime === runtime && t.workload === 'idle') ??
    result.trials.find((t): t is CompletedTrial => t.state === 'completed' && t.runtime === runtime);
  return {
    groups: groups.map((g) => ({ runtime: g.runtime, workload: g.workload, phases: g.phases.map((p) => ({ name: p.name, median: p.stats.median })) })),
    metrics: groups.flatMap((g) => g.metrics.map((m) => ({ runtime: g.runtime, workload: g.workload, name: m.name, unit: m.unit, median: m.stats.median, q1: m.stats.q1, q3: m.stats.q3 }))),
    ratios: [...ratioSamples(result).values()].flatMap((r) => {
      const stats = describe(r.values);
      return stats ? [{ key: `${r.workload} ${r.metric}`, median: stats.median }] : [];
    }),
    series: (['docker', 'qemu'] as const).flatMap((runtime) => {
      const trial = firstIdle(runtime);
      return trial ? [{ runtime, trialId: trial.trialId, tMs: trial.series.tMs, columns: trial.series.columns }] : [];
    }),
  };
}

/** One self-contained HTML file: Chart.js and the data inlined, nothing fetched when opened. */
export function renderHtml(result: ResultFile): string {
  // chart.js exports only its module entry points; the UMD bundle sits beside them in dist/.
  const chartJs = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  const client = readFileSync(join(packageRoot, 'src', 'report', 'html-client.js'), 'utf8');
  const canvases = [
    ['chart-boot', 'Boot phases (median ms, create/spawn → READY)'],
    ['chart-memory', 'Memory over time: cgroup working set'],
    ['chart-pss', 'Memory over time: PSS of the guest processes'],
    ['chart-cpu', 'CPU over time (cgroup)'],
    ['chart-metrics', 'Workload results (median, IQR)'],
    ['chart-ratios', 'VM / container ratios'],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>twinbench ${html(result.runId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;font-size:.9em}
blockquote{background:#fff3cd;border-left:4px solid #e0a800;margin:1em 0;padding:.5em 1em}
section.chart{margin:2em 0}div.chart-box{position:relative;height:360px;width:100%}</style></head>
<body>
${canvases.map(([id, title]) => `<section class="chart"><h2>${html(title ?? '')}</h2><div class="chart-box"><canvas id="${id}" data-testid="${id}"></canvas></div></section>`).join('\n')}
<article>${marked.parse(escapeMarkup(renderMarkdown(result)), { async: false })}</article>
<script id="twinbench-data" type="application/json">${jsonSafe(JSON.stringify(chartData(result)))}</script>
<script>${codeSafe(chartJs)}</script>
<script>${codeSafe(client)}</script>
</body></html>
`;
}
