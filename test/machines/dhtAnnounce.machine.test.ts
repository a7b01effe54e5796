import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, SimulatedClock } from 'xstate';
import { dhtAnnounceMachine, type DhtAnnounceEmitted, type DhtAnnounceEvent, type DhtAnnounceInput } from '../../machines/dhtAnnounce.machine.js';

/** One lookup the machine started: the test plays the DHT node's part. */
interface Lookup {
  send(e: DhtAnnounceEvent): void;
  stopped: boolean;
}

function start(input: DhtAnnounceInput = {}) {
  const clock = new SimulatedClock();
  const lookups: Lookup[] = [];
  const emitted: DhtAnnounceEmitted[] = [];
  const machine = dhtAnnounceMachine.provide({
    actors: {
      lookup: fromCallback(({ sendBack }) => {
        const l: Lookup = { send: (e) => sendBack(e), stopped: false };
        lookups.push(l);
        return () => void (l.stopped = true);
      }),
    },
  });
  const actor = createActor(machine, { clock, input });
  actor.on('*', (e) => emitted.push(e as DhtAnnounceEmitted));
  actor.start();
  return { clock, actor, lookups, emitted, state: () => actor.getSnapshot().value };
}

const MIN = 60_000;

describe('dhtAnnounce machine (simulated clock)', () => {
  it('looks up on START, hands peers over as they come, then looks again every lookup interval', () => {
    const m = start();
    expect(m.state()).toBe('idle');
    m.actor.send({ type: 'START' });
    expect(m.lookups).toHaveLength(1);
    m.lookups[0]!.send({ type: 'PEERS', peers: [{ ip: '127.0.0.2', port: 1 }] });
    m.lookups[0]!.send({ type: 'PEERS', peers: [{ ip: '127.0.0.3', port: 1 }, { ip: '127.0.0.4', port: 1 }] });
    expect(m.emitted.filter((e) => e.type === 'peers').map((e) => (e.type === 'peers' ? e.peers.length : 0))).toEqual([1, 2]);
    m.lookups[0]!.send({ type: 'LOOKUP_DONE', answered: 8 });
    expect(m.emitted.at(-1)).toEqual({ type: 'looked', peers: 3 });
    expect(m.state()).toEqual({ waiting: 'cooling' });
    m.clock.increment(10 * MIN - 1);
    expect(m.lookups).toHaveLength(1);
    m.clock.increment(1);
    expect(m.lookups).toHaveLength(2);
    expect(m.state()).toBe('looking');
  });

  it('NEED_PEERS looks early, but never within a minute of the last lookup', () => {
    const m = start();
    m.actor.send({ type: 'START' });
    m.lookups[0]!.send({ type: 'LOOKUP_DONE', answered: 8 });
    m.actor.send({ type: 'NEED_PEERS' });
    m.actor.send({ type: 'NEED_PEERS' });
    expect(m.lookups).toHaveLength(1);
    m.clock.increment(MIN);
    expect(m.lookups).toHaveLength(2); // the wanted lookup, once the cool-down ended
    m.lookups[1]!.send({ type: 'LOOKUP_DONE', answered: 8 });
    m.clock.increment(MIN);
    expect(m.state()).toEqual({ waiting: 'ready' });
    m.actor.send({ type: 'NEED_PEERS' });
    expect(m.lookups).toHaveLength(3);
    m.actor.send({ type: 'NEED_PEERS' }); // a lookup is running: nothing more
    expect(m.lookups).toHaveLength(3);
  });

  it('a lookup no node answered (not joined yet) is tried again after the cool-down, not the full interval', () => {
    const m = start();
    m.actor.send({ type: 'START' });
    m.lookups[0]!.send({ type: 'LOOKUP_DONE', answered: 0 });
    expect(m.emitted.at(-1)).toEqual({ type: 'looked', peers: 0 });
    m.clock.increment(MIN - 1);
    expect(m.lookups).toHaveLength(1);
    m.clock.increment(1);
    expect(m.lookups).toHaveLength(2);
  });

  it('STOP cancels the lookup in flight and finishes', () => {
    const m = start();
    m.actor.send({ type: 'START' });
    m.actor.send({ type: 'STOP' });
    expect(m.lookups[0]!.stopped).toBe(true);
    expect(m.actor.getSnapshot().status).toBe('done');
  });

  it('disabled (a private torrent, BEP 27, or no DHT): never looks up', () => {
    const m = start({ disabled: true });
    m.actor.send({ type: 'START' });
    m.actor.send({ type: 'NEED_PEERS' });
    m.clock.increment(60 * MIN);
    expect(m.lookups).toHaveLength(0);
    m.actor.send({ type: 'STOP' });
    expect(m.actor.getSnapshot().status).toBe('done');
  });
});
