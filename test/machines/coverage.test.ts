/**
 * Every state and transition of every machines/*.machine.ts must be reachable by exploration
 * (see test/support/machineCoverage.ts). Samples come from the machine file's exports, by name
 * suffix: `…SampleEvents` (events with payloads), `…SampleInput` or `…SampleInputs` (createActor
 * input, or several whose coverage is unioned) and `…SampleOutputs` (invoked actors' outputs by
 * `src`), e.g. `peerMachineSampleEvents`; otherwise from coverageSamples.ts.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { loadMachines } from '../../scripts/loadMachines.js';
import { type CoverageSamples, coverageGaps, machineCoverage } from '../support/machineCoverage.js';
import { coverageSamples } from './coverageSamples.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const machines = await loadMachines(repoRoot, join(repoRoot, 'machines'), 'ts');

/** The machine module's sample exports (by name suffix) over the test-side samples. */
function samplesOf(name: string, module: Readonly<Record<string, unknown>>): CoverageSamples {
  const bySuffix = (suffix: string): unknown => Object.entries(module).find(([k]) => k.endsWith(suffix))?.[1];
  const events = bySuffix('SampleEvents');
  const outputs = bySuffix('SampleOutputs');
  const input = bySuffix('SampleInput');
  const inputs = bySuffix('SampleInputs');
  return {
    ...coverageSamples[name],
    ...(Array.isArray(events) ? { events: events as AnyEventObject[] } : {}),
    ...(typeof outputs === 'object' && outputs !== null ? { outputs: outputs as Record<string, unknown[]> } : {}),
    ...(input === undefined ? {} : { input }),
    ...(Array.isArray(inputs) ? { inputs } : {}),
  };
}

describe('machine coverage', () => {
  it.each(machines)('$name: every state is entered and every transition taken', ({ name, machine, module }) => {
    const c = machineCoverage(machine, samplesOf(name, module));
    const gaps = coverageGaps(c);
    const hints = [
      ...c.errors.map((e) => `actor error at ${e}`),
      ...(c.truncated ? [`exploration stopped at ${c.snapshots} snapshots`] : []),
      `(add sample events/inputs/outputs as exports of machines/${name.split('.')[0] ?? name}.machine.ts or in test/machines/coverageSamples.ts)`,
    ];
    expect(gaps, [`machine ${name} has unreachable parts:`, ...gaps, ...hints].join('\n')).toEqual([]);
  });
});
