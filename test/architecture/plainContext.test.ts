/**
 * Machine contexts are plain data (issue 9): no clocks, readers, random generators or other
 * functions, so a snapshot says everything about a machine's state and a trace replays it.
 * Core objects (PeerPool, bitfields) are allowed: their methods live on the prototype, and
 * their own fields are data. Every machines/*.machine.ts is started with its sample inputs
 * (the coverage samples) and its context searched for functions.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, SimulatedClock, type AnyStateMachine } from 'xstate';
import { loadMachines } from '../../scripts/loadMachines.js';
import { coverageSamples } from '../machines/coverageSamples.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const machines = await loadMachines(repoRoot, join(repoRoot, 'machines'), 'ts');

/** Paths of function values reachable from `value` (own enumerable properties, Maps, Sets). */
function functionPaths(value: unknown, path = 'context', seen = new Set<object>()): string[] {
  if (typeof value === 'function') return [path];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  if (ArrayBuffer.isView(value)) return [];
  if (value instanceof Map) return [...value.entries()].flatMap(([k, v], i) => [...functionPaths(k, `${path}.key${i}`, seen), ...functionPaths(v, `${path}.get(${String(k)})`, seen)]);
  if (value instanceof Set) return [...value].flatMap((v, i) => functionPaths(v, `${path}[set ${i}]`, seen));
  return Object.entries(value).flatMap(([k, v]) => functionPaths(v, `${path}.${k}`, seen));
}

function inputsOf(name: string, module: Readonly<Record<string, unknown>>): unknown[] {
  const bySuffix = (suffix: string): unknown => Object.entries(module).find(([k]) => k.endsWith(suffix))?.[1];
  const inputs = bySuffix('SampleInputs');
  if (Array.isArray(inputs)) return inputs;
  const input = bySuffix('SampleInput');
  if (input !== undefined) return [input];
  const samples = coverageSamples[name];
  return samples?.inputs !== undefined ? [...samples.inputs] : [samples?.input];
}

function contextOf(machine: AnyStateMachine, input: unknown): unknown {
  // children are inert: only this machine's own context is in question
  const inert = machine.provide({
    actors: Object.fromEntries(Object.keys(machine.implementations.actors).map((k) => [k, fromCallback(() => undefined)])),
  });
  const actor = createActor(inert, { clock: new SimulatedClock(), ...(input === undefined ? {} : { input }) });
  actor.start();
  const context = actor.getSnapshot().context as unknown;
  actor.stop();
  return context;
}

describe('machine contexts are plain data', () => {
  it('finds functions where there are some', () => {
    expect(functionPaths({ a: 1, now: () => 0, nested: { m: new Map([['k', { f: Math.random }]]) }, s: new Set([() => 1]) })).toEqual([
      'context.now',
      'context.nested.m.get(k).f',
      'context.s[set 0]',
    ]);
    expect(functionPaths({ bytes: new Uint8Array(4), set: new Set(['a']), date: 5 })).toEqual([]);
  });

  it.each(machines)('$name: no functions in its sample inputs or its context', ({ name, machine, module }) => {
    for (const input of inputsOf(name, module)) {
      expect(functionPaths(input, 'input')).toEqual([]);
      expect(functionPaths(contextOf(machine, input))).toEqual([]);
    }
  });
});
