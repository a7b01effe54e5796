/**
 * The trace tools read a few XState internals through src/trace/xstateInternals.ts. These
 * tests check each read against live actors, and pin the XState minor version the adapter was
 * checked against: after an upgrade, re-check the reads here, then bump CHECKED_XSTATE.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createActor, createMachine, fromPromise, setup, SimulatedClock, type AnyActorRef } from 'xstate';
import { actorFacts, CHECKED_XSTATE, scheduledEventsOf } from '../../src/trace/xstateInternals.js';

const child = createMachine({ id: 'childMachine', initial: 'idle', states: { idle: {} } });
const parent = setup({
  actors: { child, work: fromPromise(() => new Promise<never>(() => undefined)) },
  delays: { soon: 1_000, later: 5_000 },
}).createMachine({
  id: 'parentMachine',
  invoke: [
    { id: 'kid', systemId: 'kid-system', src: 'child', input: { n: 1 } },
    { id: 'job', src: 'work', input: { event: 'started' } },
  ],
  initial: 'a',
  states: { a: { after: { soon: 'b', later: 'b' } }, b: {} },
});

describe('XState internals read by the trace tools', () => {
  it(`runs on the XState version the adapter was checked against (${CHECKED_XSTATE}.x)`, () => {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('xstate/package.json'), 'utf8')) as { version: string };
    const minor = pkg.version.split('.').slice(0, 2).join('.');
    expect(minor, `XState ${pkg.version} is installed; src/trace/xstateInternals.ts was checked against ${CHECKED_XSTATE}: re-check it, then bump CHECKED_XSTATE`).toBe(CHECKED_XSTATE);
  });

  it('tells an actor’s machine, src, systemId, input and parent', () => {
    const actor = createActor(parent, { clock: new SimulatedClock(), input: { root: true } }).start();
    const root = actorFacts(actor);
    expect(root).toMatchObject({ machine: 'parentMachine', src: null, systemId: null, input: { root: true }, parent: undefined });
    const kid = actorFacts(actor.getSnapshot().children['kid'] as AnyActorRef);
    expect(kid).toMatchObject({ id: 'kid', machine: 'childMachine', src: 'child', systemId: 'kid-system', input: { n: 1 } });
    expect(kid.parent).toBe(actor);
    const job = actorFacts(actor.getSnapshot().children['job'] as AnyActorRef);
    expect(job).toMatchObject({ id: 'job', machine: null, src: 'work', input: { event: 'started' } });
    expect(job.parent).toBe(actor);
    actor.stop();
  });

  it('lists the delayed events a system has scheduled, in order, and forgets fired or cancelled ones', () => {
    const clock = new SimulatedClock();
    const actor = createActor(parent, { clock }).start();
    const scheduled = scheduledEventsOf(actor);
    const types = (): unknown[] => Object.values(scheduled()).map((s) => s.event?.type);
    expect(types()).toEqual(['xstate.after.soon.parentMachine.a', 'xstate.after.later.parentMachine.a']);
    clock.increment(1_000); // `soon` fires and leaving `a` cancels `later`
    expect(types()).toEqual([]);
    actor.stop();
  });
});
