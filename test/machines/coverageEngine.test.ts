import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { sampleMachine } from '../diagrams/sampleMachines.js';
import { coverageGaps, machineCoverage } from '../support/machineCoverage.js';

describe('machineCoverage', () => {
  it('reaches guarded, delayed, eventless, invoked and parallel parts, naming what stays unreachable', () => {
    const c = machineCoverage(sampleMachine, { events: [{ type: 'HANDSHAKE', valid: true }, { type: 'HANDSHAKE', valid: false }] });
    // `ok` is always true once checking is entered, so the fallback `always` never fires; nothing
    // targets the history state.
    expect(coverageGaps(c)).toEqual(['state connected.interest.hist never entered', 'transition checking --always--> stopped never taken']);
    expect(c.takenTransitions).toContain('sample.handshaking xstate.after.handshakeTimeout.sample.handshaking #0');
    expect(c.takenTransitions).toContain('sample.handshaking HANDSHAKE #1');
    expect(c.takenTransitions).toContain('sample.checking always #0');
    expect(c.reachedStates).toContain('sample.checking');
    expect(c.truncated).toBe(false);
  });

  it('misses a guarded branch when no sample event satisfies its guard', () => {
    const c = machineCoverage(sampleMachine, { events: [{ type: 'HANDSHAKE', valid: false }] });
    const gaps = coverageGaps(c);
    expect(gaps).toContain('transition handshaking --HANDSHAKE [validHandshake]--> checking never taken');
    expect(gaps).toContain('state connected never entered');
    expect(gaps).toContain('state connected.choking.unchoked never entered');
  });

  it('reports full coverage of a machine whose every part is reachable', () => {
    const counter = setup({
      types: { context: {} as { n: number }, events: {} as { type: 'INC' } | { type: 'RESET' } },
      guards: { atLimit: ({ context }) => context.n >= 2 },
      delays: { idleTimeout: 100 },
      actions: { inc: assign({ n: ({ context }) => context.n + 1 }) },
    }).createMachine({
      id: 'counter',
      context: { n: 0 },
      initial: 'counting',
      states: {
        counting: {
          on: { INC: [{ guard: 'atLimit', target: 'full' }, { actions: 'inc' }] },
          after: { idleTimeout: 'idle' },
        },
        idle: { on: { RESET: 'counting' } },
        full: { type: 'final' },
      },
    });
    const c = machineCoverage(counter);
    expect(coverageGaps(c)).toEqual([]);
    expect(c.reachedStates).toEqual(new Set(['counter', 'counter.counting', 'counter.idle', 'counter.full']));
    // At most counting and idle with n = 0, 1, 2, plus full; it stops once all is covered.
    expect(c.snapshots).toBeLessThanOrEqual(7);
    expect(c.truncated).toBe(false);
  });

  it('stops at maxSnapshots on an unbounded context and says so', () => {
    const unbounded = setup({
      types: { context: {} as { n: number } },
      actions: { inc: assign({ n: ({ context }) => context.n + 1 }) },
    }).createMachine({ id: 'unbounded', context: { n: 0 }, initial: 'on', states: { on: { on: { INC: { actions: 'inc' } } }, orphan: {} } });
    const c = machineCoverage(unbounded, { maxSnapshots: 50 });
    expect(c.truncated).toBe(true);
    expect(c.snapshots).toBe(50);
    expect(coverageGaps(c)).toEqual(['state orphan never entered']);
  });

  it('exercises wildcard transitions', () => {
    const any = setup({}).createMachine({ id: 'any', initial: 'a', states: { a: { on: { '*': 'b' } }, b: {} } });
    expect(coverageGaps(machineCoverage(any))).toEqual([]);
  });

  it('unions coverage over several inputs', () => {
    const door = setup({ types: { input: {} as { locked: boolean } } }).createMachine({
      id: 'door',
      context: ({ input }) => ({ locked: input.locked }),
      initial: 'deciding',
      states: {
        deciding: { always: [{ guard: ({ context }) => context.locked, target: 'locked' }, { target: 'open' }] },
        locked: {},
        open: {},
      },
    });
    expect(coverageGaps(machineCoverage(door, { input: { locked: true } }))).toEqual([
      'state open never entered',
      'transition deciding --always--> open never taken',
    ]);
    expect(coverageGaps(machineCoverage(door, { inputs: [{ locked: true }, { locked: false }] }))).toEqual([]);
  });
});
