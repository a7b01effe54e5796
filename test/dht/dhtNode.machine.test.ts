import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { dhtNodeMachine } from '../../machines/dhtNode.machine.js';

const MIN = 60_000;

function start(joinResults: number[]) {
  const calls = { join: 0, refresh: 0, reannounce: 0 };
  const clock = new SimulatedClock();
  const machine = dhtNodeMachine.provide({
    actors: {
      joinNetwork: fromPromise(async () => joinResults[calls.join++] ?? 0),
      refreshBuckets: fromPromise(async () => { calls.refresh++; }),
      reannounce: fromPromise(async () => { calls.reannounce++; }),
    },
  });
  const actor = createActor(machine, { clock });
  const emitted: string[] = [];
  actor.on('*', (e) => emitted.push(e.type));
  actor.start();
  return { actor, clock, calls, emitted };
}
/** Lets the provided promise actors settle (they resolve on the microtask queue). */
const settle = () => new Promise((r) => setImmediate(r));

describe('dhtNode machine (simulated clock)', () => {
  it('bootstraps, and retries after bootstrapRetry when nobody answered', async () => {
    const { actor, clock, calls, emitted } = start([0, 4]);
    await settle();
    expect(actor.getSnapshot().value).toBe('waitingToRetry');
    clock.increment(29_999);
    expect(calls.join).toBe(1);
    clock.increment(1);
    await settle();
    expect(calls.join).toBe(2);
    expect(actor.getSnapshot().matches('ready')).toBe(true);
    expect(emitted).toContain('joined');
  });

  it('when ready: refreshes buckets every 5 min, re-announces every 15, rotates tokens every 5, saves every 10', async () => {
    const { actor, clock, calls, emitted } = start([3]);
    await settle();
    expect(actor.getSnapshot().matches('ready')).toBe(true);
    for (let m = 1; m <= 30; m++) {
      clock.increment(MIN);
      await settle();
    }
    expect(calls.refresh).toBe(6);
    expect(calls.reannounce).toBe(2);
    expect(emitted.filter((e) => e === 'rotateTokenSecret')).toHaveLength(6);
    expect(emitted.filter((e) => e === 'saveState')).toHaveLength(3);
  });

  it('TABLE_EMPTY sends it back to bootstrapping; STOP ends it', async () => {
    const { actor, calls } = start([3, 2]);
    await settle();
    actor.send({ type: 'TABLE_EMPTY' });
    await settle();
    expect(calls.join).toBe(2);
    expect(actor.getSnapshot().matches('ready')).toBe(true);
    actor.send({ type: 'STOP' });
    expect(actor.getSnapshot().status).toBe('done');
  });
});
