/**
 * `npm run diagrams`: writes diagrams/<name>.mmd, diagrams/<name>.svg and diagrams/README.md from
 * every machines/<name>.machine.ts (compiled under dist/), and diagrams/overview.mmd/.svg from
 * the machines and the sources of machines/ and streams/.
 * `npm run diagrams:check` (`--check`): writes nothing; exits 1 naming every stale file.
 * `--force` re-renders every SVG even when its recorded source hash is current.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagramSet, staleDiagramFiles, writeDiagramSet } from './diagramFiles.js';
import { loadMachines } from './loadMachines.js';
import { readRepoFacts } from './overview.js';

// This file runs as dist/scripts/diagrams.js; the repository is two levels up.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const diagramsDir = join(repoRoot, 'diagrams');

async function main(argv: readonly string[]): Promise<number> {
  const started = performance.now();
  const machines = await loadMachines(repoRoot, join(repoRoot, 'dist', 'machines'), 'js');
  const set = diagramSet(machines, await readRepoFacts(repoRoot));
  for (const w of set.warnings) console.warn(`diagrams: warning: ${w}`);
  const took = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (argv.includes('--check')) {
    const stale = await staleDiagramFiles(diagramsDir, set);
    if (stale.length === 0) {
      console.log(`diagrams: ${machines.length} machine(s), diagrams/ is current (${took()})`);
      return 0;
    }
    console.error('diagrams/ is stale:');
    for (const s of stale) console.error(`  diagrams/${s.file}: ${s.reason}`);
    console.error('Fix: run `npm run diagrams` and commit diagrams/.');
    return 1;
  }
  const rendered = await writeDiagramSet(diagramsDir, set, argv.includes('--force'));
  console.log(`diagrams: wrote ${set.texts.size} text file(s), rendered ${rendered.length} SVG(s) for ${machines.length} machine(s) (${took()})`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`diagrams: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
