import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

/** Read a recorded fixture from test/fixtures. */
export function fixture(...parts: string[]): string {
  return readFileSync(join(packageRoot, 'test', 'fixtures', ...parts), 'utf8');
}
