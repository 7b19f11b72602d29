import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found from this file so it is the same whether Foyer runs from
 * TypeScript sources (tests) or from dist/ (npm start), and whatever the working directory is.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Foyer package root');
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot();
