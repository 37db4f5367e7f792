import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { aggregate } from '../results/aggregate.js';
import { readResultFile } from '../results/read.js';
import { writeFileAtomic } from '../results/write.js';
import { judgeClaims } from '../report/claims.js';
import { renderCsv } from '../report/csv.js';
import { renderGab } from '../report/gab.js';
import { renderHtml } from '../report/html.js';
import { renderMarkdown } from '../report/markdown.js';
import type { CommandIo } from './io.js';

/** Formats of `bench report`. */
export const reportFormats = ['md', 'html', 'csv', 'json', 'gab-smaller', 'gab-bigger'] as const;
type ReportFormat = (typeof reportFormats)[number];

/** `bench report FILE… --format F [--out FILE]`: render result files for people or dashboards. */
export async function runReport(
  files: string[],
  flags: { format?: string; out?: string },
  io: CommandIo,
): Promise<ExitCodeValue> {
  const format = (flags.format ?? 'md') as ReportFormat;
  if (!reportFormats.includes(format))
    throw new UsageError(`--format must be one of ${reportFormats.join(', ')}, got ${JSON.stringify(flags.format)}`);
  if (files.length === 0) throw new UsageError('bench report needs at least one result file');
  const single = ['html', 'json', 'gab-smaller', 'gab-bigger'].includes(format);
  if (single && files.length > 1)
    throw new UsageError(
      `--format ${format} renders one file at a time (got ${files.length}); use \`bench compare\` to put hosts side by side`,
    );
  const results = [];
  for (const file of files) results.push({ path: file, result: await readResultFile(file) });
  const first = results[0]!.result;
  let text: string;
  switch (format) {
    case 'md':
      text = results.map((entry) => renderMarkdown(entry.result)).join('\n---\n\n');
      break;
    case 'html':
      text = renderHtml(first);
      break;
    case 'csv':
      text = renderCsv(results);
      break;
    case 'json':
      text = `${JSON.stringify({ runId: first.runId, host: first.host.hostname, groups: aggregate(first), claims: judgeClaims(first) }, null, 2)}\n`;
      break;
    default:
      text = `${JSON.stringify(renderGab(first, format === 'gab-smaller' ? 'smaller' : 'bigger'), null, 2)}\n`;
  }
  if (flags.out) {
    await writeFileAtomic(flags.out, text);
    io.out(flags.out);
  } else {
    io.out(text);
  }
  return ExitCode.ok;
}
