/**
 * `npm run fuzz [-- --runs N] [-- --only NAME]`: feeds every decoder of untrusted bytes
 * (fuzz/targets.ts) 100,000 generated inputs by default and prints one line per decoder.
 * Exits non-zero on the first decoder that throws, answers with an untyped error, or goes over
 * its time budget on one input (fast-check prints the shrunk input and the seed to replay).
 */
import { parseArgs } from 'node:util';
import { runFuzz } from './runFuzz.js';
import { fuzzTargets } from './targets.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '100000' }, only: { type: 'string' }, seed: { type: 'string' } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? undefined : Number(values.seed);
const targets = fuzzTargets.filter((t) => values.only === undefined || t.name === values.only);
if (targets.length === 0) {
  process.stderr.write(`fuzz: no decoder named "${values.only}"; known: ${fuzzTargets.map((t) => t.name).join(', ')}\n`);
  process.exitCode = 2;
}
for (const target of targets) {
  try {
    const r = runFuzz(target, runs, seed);
    process.stdout.write(
      `${r.name.padEnd(20)} ${String(r.runs).padStart(8)} inputs  ${(r.totalMs / 1000).toFixed(1).padStart(6)} s  slowest ${r.slowestMs.toFixed(1)} ms CPU (budget ${target.budgetMs} ms)\n`,
    );
  } catch (e) {
    const cause = (e as Error).cause;
    process.stdout.write(`${target.name}: FAILED\n${(e as Error).message}\n${cause instanceof Error ? `Cause: ${cause.message}\n` : ''}`);
    process.exitCode = 1;
    break;
  }
}
