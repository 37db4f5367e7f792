import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Marked } from 'marked';
import { literal } from '../../../src/report/format.js';
import { renderInertMarkdown } from '../../../src/report/html.js';
import { injections } from './injections.js';

// A fixed seed: the same inputs every run, and fast-check prints the seed and path of any failure to replay it.
fc.configureGlobal({ seed: 20261205 });

const text = fc.oneof(
  fc.constantFrom(...injections),
  fc.string({ unit: fc.constantFrom(...'ab <>&`[]()!#*_|\\\n-:/.'.split('')), maxLength: 40 }),
  fc.array(fc.constantFrom(...injections), { maxLength: 3 }).map((parts) => parts.join(' ')),
);

/** The text a browser shows for an HTML fragment with only <code> and <p> elements (entities decoded). */
function shown(fragment: string): string {
  return fragment
    .replace(/<\/?(p|code)>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .replace(/\n$/, '');
}

const gfm = new Marked({ gfm: true });

test('literal(): any text, injection strings included, renders (GFM) as one code span showing exactly its characters', () => {
  fc.assert(
    fc.property(text, (value) => {
      const flat = value.replace(/[\r\n]+/g, ' ');
      for (const rendered of [gfm.parseInline(literal(value), { async: false }), renderInertMarkdown(literal(value))]) {
        if (flat === '') return rendered.trim() === '';
        // Nothing but one code element: no <a>, <img>, <script>, heading or emphasis could come from the text.
        assert.doesNotMatch(rendered.replace(/^<p>|<\/p>\n?$/g, ''), /<(?!\/?code>)/, rendered);
        assert.equal((rendered.match(/<code>/g) ?? []).length, 1, rendered);
        assert.equal(shown(rendered), flat, rendered);
      }
      return true;
    }),
    { numRuns: 2000 },
  );
});

test('literal() in a table cell: the row keeps its cells, whatever | the text holds', () => {
  fc.assert(
    fc.property(text, (value) => {
      const table = `| a | b |\n|---|---|\n| ${literal(value, true) || '-'} | end |\n`;
      const rendered = gfm.parse(table, { async: false });
      const row = /<tbody>\s*<tr>([\s\S]*?)<\/tr>/.exec(rendered)?.[1] ?? '';
      assert.equal((row.match(/<td>/g) ?? []).length, 2, rendered);
      assert.match(row, /<td>end<\/td>/, rendered);
      assert.doesNotMatch(row, /<(?!\/?(code|td)>)/, rendered);
      // The cell shows the text, but for one backslash added before a `|` that an odd run of them preceded.
      const flat = value.replace(/[\r\n]+/g, ' ');
      const cell = shown(/<td>([\s\S]*?)<\/td>/.exec(row)?.[1] ?? '');
      assert.equal(cell, flat === '' ? '-' : flat.replace(/(?<!\\)((?:\\\\)*\\)\|/g, '$1\\|'), rendered);
      return true;
    }),
    { numRuns: 1000 },
  );
});

test('renderInertMarkdown(): raw HTML, links and images in the Markdown render as escaped text', () => {
  const page = renderInertMarkdown(
    `Host ${injections[0]} ${injections[1]} ${injections[2]} ${injections[3]} ${injections[4]}`,
  );
  assert.doesNotMatch(page, /<(a|img|script)\b/);
  assert.match(page, /lab\[x\]\(javascript:alert\(1\)\)!\[t\]\(http:\/\/127\.0\.0\.1:9\/t\.png\)/);
  assert.match(page, /&lt;script>alert\(1\)&lt;\/script>|&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});
