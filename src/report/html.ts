import { readFileSync } from 'node:fs';
import { runtimesOf } from './kinds.js';
import { figuresOf, restingWorkloads } from '../results/figures.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { aggregate, type GroupSummary } from '../results/aggregate.js';
import type { Stats } from '../results/stats.js';
import type { CompletedTrial, ResultFile } from '../results/types.js';
import { packageRoot } from '../paths.js';
import { Marked } from 'marked';
import { renderMarkdown } from './markdown.js';
import { costFactors } from './cost.js';

const require = createRequire(import.meta.url);

/**
 * Markdown rendered so that nothing in the page can come from its text but text: the Markdown carries text
 * from guests and from result files of other hosts (error messages, console lines, host names), and our own
 * Markdown has no raw HTML, no link and no image. So raw HTML (`<script>`, `<img onerror>`), links and images
 * (`[x](javascript:…)`, `![t](http://…)`, a bare URL) render as the escaped source they were; code spans
 * (where twinbench puts such text) and plain text are escaped by marked itself.
 */
const inert = new Marked({
  renderer: {
    html({ text }) {
      return html(text);
    },
    link({ raw }) {
      return html(raw);
    },
    image({ raw }) {
      return html(raw);
    },
  },
});

/** Markdown → HTML for our pages: raw markup, links and images rendered as their escaped text. */
export function renderInertMarkdown(markdown: string): string {
  return inert.parse(markdown, { async: false });
}

/** The pages fetch nothing and run only their own inline scripts: cheap insurance beside the escaping. */
export const contentSecurityPolicy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`;

/** JSON made safe inside a <script> element (no `</script>`, no raw line separators). */
export function jsonSafe(text: string): string {
  return text.replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

/** Code made safe inside a <script> element: only a closing tag could end it early. */
export function codeSafe(text: string): string {
  return text.replaceAll('</script', '<\\/script');
}

export function html(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A median with its 95 % interval, as the page draws it (no interval below 6 values). */
function drawn(stats: Stats) {
  return { median: stats.median, low: stats.ci95?.low ?? null, high: stats.ci95?.high ?? null, n: stats.n };
}

/**
 * One small chart per workload figure (and boot of the resting workload): every runtime's median with its interval,
 * on the figure's own unit, runtimes in the model's one order.
 */
function figureCharts(groups: GroupSummary[], resting: readonly string[]) {
  const figures = new Map<
    string,
    { title: string; unit: string; direction: string; runtimes: ({ runtime: string } & ReturnType<typeof drawn>)[] }
  >();
  for (const group of groups) {
    const entries = [
      ...(group.bootToReadyMs && resting.includes(group.workload)
        ? [{ name: 'boot → READY', unit: 'ms', direction: 'lower', stats: group.bootToReadyMs }]
        : []),
      ...group.metrics,
    ];
    for (const entry of entries) {
      const key = `${group.workload}\u0000${entry.name}`;
      const figure = figures.get(key) ?? {
        title: `${group.workload}: ${entry.name}`,
        unit: entry.unit,
        direction: entry.direction,
        runtimes: [],
      };
      figure.runtimes.push({ runtime: group.runtime, ...drawn(entry.stats) });
      figures.set(key, figure);
    }
  }
  return [...figures.values()].map((figure, index) => ({ id: `chart-figure-${index + 1}`, ...figure }));
}

/** Colours given to the runtimes in the table's order (Tableau 10). */
const palette = [
  '#2ca02c',
  '#1f77b4',
  '#17becf',
  '#d62728',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#bcbd22',
  '#7f7f7f',
];

/** What the page's script draws: boot phases, one chart per figure, cost factors, and one series per runtime. */
function chartData(result: ResultFile) {
  const groups = aggregate(result);
  const resting = restingWorkloads(figuresOf(result).shown.values());
  const completed = result.trials.filter((t): t is CompletedTrial => t.state === 'completed');
  const firstResting = (runtime: string) =>
    completed.find((t) => t.runtime === runtime && resting.includes(t.workload)) ??
    completed.find((t) => t.runtime === runtime);
  return {
    colors: Object.fromEntries(runtimesOf(result).map((runtime, index) => [runtime, palette[index % palette.length]])),
    groups: groups.map((g) => ({
      runtime: g.runtime,
      workload: g.workload,
      phases: g.phases.map((p) => ({ name: p.name, median: p.stats.median })),
    })),
    figures: figureCharts(groups, resting),
    costs: costFactors(result).map((factor) => ({
      label: `${factor.pair.key.replace('/', ' vs ')}: ${factor.workload} ${factor.metric}`,
      ...drawn(factor.stats),
    })),
    // Every runtime's series, native's too: its cgroup and processes are sampled as the others' are.
    series: runtimesOf(result).flatMap((runtime) => {
      const trial = firstResting(runtime);
      return trial ? [{ runtime, trialId: trial.trialId, tMs: trial.series.tMs, columns: trial.series.columns }] : [];
    }),
  };
}

/** Chart.js's UMD bundle, inlined into every page (chart.js exports only its module entry points; the bundle sits beside them). */
export function chartJsBundle(): string {
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/** One self-contained HTML file: Chart.js and the data inlined, nothing fetched when opened. */
export function renderHtml(result: ResultFile): string {
  const chartJs = chartJsBundle();
  const client = readFileSync(join(packageRoot, 'src', 'report', 'html-client.js'), 'utf8');
  const data = chartData(result);
  const canvases = [
    ['chart-boot', 'Boot phases (median ms, create/spawn → READY)'],
    ['chart-memory', 'Memory over time: cgroup working set'],
    ['chart-pss', 'Memory over time: PSS of the guest processes'],
    ['chart-cpu', 'CPU over time (cgroup)'],
  ];
  const section = (id: string, title: string, kind = 'chart') =>
    `<section class="${kind}"><h2>${html(title)}</h2><div class="chart-box"><canvas id="${id}" data-testid="${id}"></canvas></div></section>`;
  const figureTitle = (f: (typeof data.figures)[number]) => `${f.title} (${f.unit}, ${f.direction} is better)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${contentSecurityPolicy}<title>twinbench ${html(result.runId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;font-size:.9em}
blockquote{background:#fff3cd;border-left:4px solid #e0a800;margin:1em 0;padding:.5em 1em}
section.chart{margin:2em 0}div.chart-box{position:relative;height:360px;width:100%}
div.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1em}
section.figure h2{font-size:.95em;margin:.5em 0}section.figure div.chart-box{height:220px}</style></head>
<body>
${canvases.map(([id, title]) => section(id ?? '', title ?? '')).join('\n')}
<h2>Workload figures: median and 95 % interval of the median per runtime (no bar: too few repetitions for one)</h2>
<div class="figures">${data.figures.map((f) => section(f.id, figureTitle(f), 'figure')).join('\n')}</div>
${section('chart-costs', 'Cost factors: how many times what the reference pays, above 1 = costs more (median, 95 % interval)')}
<article>${renderInertMarkdown(renderMarkdown(result))}</article>
<script id="twinbench-data" type="application/json">${jsonSafe(JSON.stringify(data))}</script>
<script>${codeSafe(chartJs)}</script>
<script>${codeSafe(client)}</script>
</body></html>
`;
}
