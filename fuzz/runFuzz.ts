import fc from 'fast-check';
import type { FuzzTarget } from './targets.js';

/** What one fuzz run found. */
export interface FuzzReport {
  readonly name: string;
  readonly runs: number;
  /** Slowest single input, ms. */
  readonly slowestMs: number;
  readonly totalMs: number;
}

/**
 * Runs `target` on `numRuns` generated inputs. Throws (via fast-check, with the shrunk input)
 * when the decoder throws, answers with something other than a typed one-line error, or takes
 * longer than its budget on one input.
 */
export function runFuzz(target: FuzzTarget, numRuns: number, seed?: number): FuzzReport {
  let slowest = 0;
  const t0 = performance.now();
  fc.assert(
    fc.property(target.input, (bytes) => {
      const start = performance.now();
      const problem = target.check(bytes);
      const ms = performance.now() - start;
      if (ms > slowest) slowest = ms;
      if (problem !== undefined) throw new Error(`${target.name}: ${problem}`);
      if (ms > target.budgetMs) throw new Error(`${target.name}: ${ms.toFixed(1)} ms on a ${bytes.length}-byte input (budget ${target.budgetMs} ms)`);
    }),
    seed === undefined ? { numRuns } : { numRuns, seed },
  );
  return { name: target.name, runs: numRuns, slowestMs: slowest, totalMs: performance.now() - t0 };
}
