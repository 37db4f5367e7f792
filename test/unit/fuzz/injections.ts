/** What a hostile guest, image or result file could put in text twinbench reads (issue #28): links, images, raw HTML, autolinks, structure. */
export const injections = [
  'lab[x](javascript:alert(1))![t](http://127.0.0.1:9/t.png)',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<http://127.0.0.1:9/a>',
  'www.example.com http://127.0.0.1:9/x',
  '# Check passed',
  '| a | b |\n|---|---|',
  '**Unchanged**: no regression',
  '``code`` ` and \\`',
  '&lt;script&gt; &amp;',
  '\n\n- a list\n> a quote',
  ' padded ',
  '`',
];
