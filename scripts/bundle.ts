/**
 * The last step of `npm run build`: bundles the compiled CLI (dist/src/cli/main.js) and the
 * benchmarks' statorrent children into dist/bundle/ (statorrent.cjs, downloadChild.cjs,
 * swarmChild.cjs, shared chunks in dist/bundle/chunks/). The package's `bin` is the bundle.
 *
 * Why: started from dist/src, Node resolves, opens and compiles ~250 modules and runs
 * CommonJS export detection over rxjs's ~400 files; that cost 0.45-0.6 CPU-s before a command
 * did anything (measured on this project's 2-core VM), the bundle 0.2. Commands stay separate
 * chunks (the CLI imports each one lazily), so `statorrent info` loads no session code.
 * The bundle is CommonJS: Node 20's ES module loader spends more CPU than `require` on the
 * same chunks (compiling them as source text modules, then resolving and linking each). A
 * download's CPU up to adding the torrent fell from 0.124 to 0.083-0.108 s (two A/Bs of 6 runs
 * each, NODE_EXTRA_CA_CERTS unset); the download itself costs the same. Hence no top-level
 * await in the entries, and `strict`: our ES modules are strict by definition, a CommonJS file
 * only with a "use strict" line.
 * The library (`import 'statorrent'`) stays unbundled: an app's own bundler does that job.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

// This file runs as dist/scripts/bundle.js; the repository is two levels up.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(repoRoot, 'dist');

const started = performance.now();
await build({
  input: {
    statorrent: join(dist, 'src', 'cli', 'main.js'),
    downloadChild: join(dist, 'bench', 'downloadChild.js'),
    swarmChild: join(dist, 'bench', 'swarmChild.js'),
  },
  platform: 'node',
  resolve: {
    // rxjs's exports send Node to its CommonJS build, which can only be taken whole; its ES
    // module build is the same code, and the bundler keeps only what we use
    // fp-ts and io-ts likewise: lib/ (what Node loads, see the imports) is CommonJS, taken whole
    // (all of fp-ts's Array, ReadonlyArray, NonEmptyArray... for one `pipe`); es6/ is the same
    // code as ES modules
    alias: {
      rxjs: join(repoRoot, 'node_modules', 'rxjs', 'dist', 'esm', 'index.js'),
      'fp-ts/lib': join(repoRoot, 'node_modules', 'fp-ts', 'es6'),
      'io-ts/lib': join(repoRoot, 'node_modules', 'io-ts', 'es6'),
    },
  },
  output: { dir: join(dist, 'bundle'), format: 'cjs', strict: true, entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', cleanDir: true },
  logLevel: 'warn',
});
console.log(`bundle: dist/bundle/ written (${((performance.now() - started) / 1000).toFixed(1)} s)`);
