import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { chartJsBundle, codeSafe, contentSecurityPolicy, html, jsonSafe, renderInertMarkdown } from './html.js';
import type { HistoryModel } from './history.js';

/** Colours of the lines (Tableau 10), one per host × runtime in the page's order. */
const palette = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** What the page's script draws: one chart per figure, a line per host × runtime, each run's median with its interval. */
function pageData(model: HistoryModel) {
  const lines = [
    ...new Set(model.figures.flatMap((figure) => figure.series.map((series) => `${series.host} · ${series.runtime}`))),
  ].sort();
  return {
    colors: Object.fromEntries(lines.map((line, index) => [line, palette[index % palette.length]])),
    figures: model.figures.map((figure, index) => ({
      id: `history-figure-${index + 1}`,
      workload: figure.workload,
      title: `${figure.workload}: ${figure.metric}`,
      unit: figure.unit,
      direction: figure.direction,
      series: figure.series.map((series) => ({ label: `${series.host} · ${series.runtime}`, points: series.points })),
    })),
  };
}

/**
 * `bench history`: one self-contained HTML page (Chart.js, the data and the summary inlined; nothing is
 * fetched): a chart per figure over time, grouped by workload, with change points marked, then the summary.
 */
export function renderHistoryHtml(model: HistoryModel, markdown: string): string {
  const client = readFileSync(join(packageRoot, 'src', 'report', 'history-client.js'), 'utf8');
  const data = pageData(model);
  const workloads = [...new Set(data.figures.map((figure) => figure.workload))];
  const sections = workloads.map((workload) => {
    const charts = data.figures
      .filter((figure) => figure.workload === workload)
      .map(
        (figure) =>
          `<section class="figure"><h3>${html(figure.title)} <small>(${html(figure.unit)}, ${figure.direction} is better)</small></h3><div class="chart-box"><canvas id="${figure.id}" data-testid="${figure.id}"></canvas></div></section>`,
      );
    return `<h2>${html(workload)}</h2>\n<div class="figures">${charts.join('\n')}</div>`;
  });
  const runs = model.hosts.reduce((sum, host) => sum + host.runs.length, 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${contentSecurityPolicy}<title>twinbench history: ${runs} runs of ${model.hosts.length} host(s)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;font-size:.85em}
div.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1em}
section.figure h3{font-size:.9em;margin:.5em 0}section.figure small{color:#666;font-weight:normal}
div.chart-box{position:relative;height:260px;width:100%}p.legend{color:#444;font-size:.9em}</style></head>
<body>
<h1>twinbench history</h1>
<p class="legend">Each point: one run's median, its bar the 95 % interval of the median (none below 6 repetitions). A red triangle marks a run where the figure <b>regressed</b> from the host's previous run, a green diamond where it <b>improved</b>, by the statistics of <code>bench check</code> (hollow: an informative figure that does not gate). The x axis is the run's start (UTC).</p>
${sections.join('\n')}
<article>${renderInertMarkdown(markdown)}</article>
<script id="twinbench-history" type="application/json">${jsonSafe(JSON.stringify(data))}</script>
<script>${codeSafe(chartJsBundle())}</script>
<script>${codeSafe(client)}</script>
</body></html>
`;
}
