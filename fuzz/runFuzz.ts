import fc from 'fast-check';
import type { FuzzTarget } from './targets.js';

/** What one fuzz run found. */
export interface FuzzReport {
  readonly name: string;
  readonly runs: number;
  /** Slowest single input, CPU ms. */
  readonly slowestMs: number;
  readonly totalMs: number;
}

/** CPU milliseconds this process spent in `fn` (not wall time: the machine may be shared). */
function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Runs `target` on `numRuns` generated inputs. Throws (via fast-check, with the shrunk input)
 * when the decoder throws, answers with something other than a typed one-line error, or takes
 * more CPU time than its budget on one input twice in a row (once may be a GC pause).
 */
export function runFuzz(target: FuzzTarget, numRuns: number, seed?: number): FuzzReport {
  let slowest = 0;
  const t0 = performance.now();
  fc.assert(
    fc.property(target.input, (bytes) => {
      let problem: string | undefined;
      let ms = cpuMs(() => (problem = target.check(bytes)));
      if (problem !== undefined) throw new Error(`${target.name}: ${problem}`);
      if (ms > target.budgetMs) ms = Math.min(ms, cpuMs(() => target.check(bytes)));
      if (ms > slowest) slowest = ms;
      if (ms > target.budgetMs) throw new Error(`${target.name}: ${ms.toFixed(1)} ms CPU on a ${bytes.length}-byte input (budget ${target.budgetMs} ms)`);
    }),
    seed === undefined ? { numRuns } : { numRuns, seed },
  );
  return { name: target.name, runs: numRuns, slowestMs: slowest, totalMs: performance.now() - t0 };
}
