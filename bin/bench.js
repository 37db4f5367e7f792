#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('bench: not built yet: run `npm ci && npm run build` (scripts/setup.sh does both)\n');
  process.exit(3);
}
const { main } = await import(entry.href);
await main(process.argv);
