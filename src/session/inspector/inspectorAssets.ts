import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds the inspector's files: the page's compiled scripts (dist/web/inspector, built by
 * `npm run build` from web/inspector) and the generated statecharts (diagrams/*.svg), both
 * relative to the package root, whether running from dist/ or from the TypeScript sources.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'diagrams'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(fileURLToPath(import.meta.url));
    dir = up;
  }
}

const ROOT = packageRoot();
const SCRIPTS = join(ROOT, 'dist', 'web', 'inspector');
const DIAGRAMS = join(ROOT, 'diagrams');

/** Names are checked against these before any path is built: nothing else can be read. */
const SCRIPT_NAME = /^[A-Za-z][A-Za-z0-9]*\.js$/;
const DIAGRAM_NAME = /^[a-z][A-Za-z0-9]*\.svg$/;

/** A compiled page script by file name, or undefined. */
export async function pageScript(name: string): Promise<Buffer | undefined> {
  if (!SCRIPT_NAME.test(name)) return undefined;
  return readFile(join(SCRIPTS, name)).catch(() => undefined);
}

/** A generated diagram by file name (`peer.svg`), or undefined. */
export async function diagramSvg(name: string): Promise<Buffer | undefined> {
  if (!DIAGRAM_NAME.test(name)) return undefined;
  return readFile(join(DIAGRAMS, name)).catch(() => undefined);
}

/** Whether the page scripts were built (`npm run build`); the server says so instead of serving a blank page. */
export function pageBuilt(): boolean {
  return existsSync(join(SCRIPTS, 'inspector.js'));
}
