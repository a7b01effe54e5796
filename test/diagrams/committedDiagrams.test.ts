/**
 * The committed diagrams/ must match the machines: every .mmd parses with Mermaid's real parser,
 * every .mmd has an SVG drawn from exactly that source, and nothing is stale (the same comparison
 * `npm run diagrams:check` makes, here on the TypeScript machines vitest loads).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagramSet, staleDiagramFiles } from '../../scripts/diagramFiles.js';
import { loadMachines } from '../../scripts/loadMachines.js';
import { readRepoFacts } from '../../scripts/overview.js';
import { svgIsCurrent } from '../../scripts/renderMermaidSvg.js';
import { parseMermaid } from './mermaidParser.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const diagramsDir = join(repoRoot, 'diagrams');
const mmdFiles = (await readdir(diagramsDir).catch(() => [])).filter((f) => f.endsWith('.mmd')).sort();

describe('committed diagrams', () => {
  it('exist for every machine and are current', async () => {
    const machines = await loadMachines(repoRoot, join(repoRoot, 'machines'), 'ts');
    const stale = await staleDiagramFiles(diagramsDir, diagramSet(machines, await readRepoFacts(repoRoot)));
    expect(stale, 'run `npm run diagrams` and commit diagrams/').toEqual([]);
    // one per machine, plus the overview
    expect(mmdFiles.length).toBe(machines.length + 1);
  });

  it.each(mmdFiles)('%s parses with Mermaid and its SVG is current', async (file) => {
    const source = await readFile(join(diagramsDir, file), 'utf8');
    await expect(parseMermaid(source)).resolves.toMatchObject({ diagramType: file === 'overview.mmd' ? 'flowchart-v2' : 'stateDiagram' });
    const svg = await readFile(join(diagramsDir, file.replace(/\.mmd$/, '.svg')), 'utf8');
    expect(svgIsCurrent(svg, source)).toBe(true);
  });
});
