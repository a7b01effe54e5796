import { describe, expect, it } from 'vitest';
import { assign, createActor, setup, SimulatedClock, type AnyActorRef } from 'xstate';
import { chokerMachine } from '../../machines/choker.machine.js';
import type { ChokeCandidate } from '../../src/choking/chokeDecision.js';

/** A stand-in peer actor that records the choke commands it receives. */
const recorder = setup({ types: { context: {} as { got: string[] }, events: {} as { type: 'CHOKE' } | { type: 'UNCHOKE' } } }).createMachine({
  context: { got: [] },
  on: { '*': { actions: assign({ got: ({ context, event }) => [...context.got, event.type] }) } },
});

function harness(peers: ChokeCandidate[], randomValues: number[] = [0]) {
  const clock = new SimulatedClock();
  let r = 0;
  const parent = setup({ actors: { choker: chokerMachine, recorder } }).createMachine({
    entry: assign(({ spawn }) => {
      for (const p of peers) spawn('recorder', { id: p.id, systemId: p.id });
      return {};
    }),
    invoke: {
      id: 'choker',
      src: 'choker',
      input: {
        readPeers: () => peers,
        random: () => randomValues[r++ % randomValues.length]!,
        now: () => clock.now(),
      },
    },
  });
  const actor = createActor(parent, { clock });
  const rechokes: { unchoked: readonly string[]; optimistic: string | undefined }[] = [];
  actor.start();
  const choker = actor.getSnapshot().children['choker'] as AnyActorRef | undefined;
  (actor.getSnapshot().children['choker'] as AnyActorRef).on('rechoked', (e: { unchoked: readonly string[]; optimistic: string | undefined }) => rechokes.push(e));
  const got = (id: string): string[] => ((actor.getSnapshot().children[id] as AnyActorRef).getSnapshot().context as { got: string[] }).got;
  return { clock, actor, rechokes, got, choker };
}

const p = (id: string, rate: number, over: Partial<ChokeCandidate> = {}): ChokeCandidate => ({ id, interested: true, rate, snubbed: false, connectedAt: 0, ...over });

describe('choker machine (simulated clock)', () => {
  it('unchokes the best peers at start and the optimistic one', () => {
    const peers = [p('a', 50), p('b', 40), p('c', 30), p('d', 20), p('e', 10), p('f', 5)];
    const h = harness(peers, [0.99]);
    expect(h.got('a')).toEqual(['UNCHOKE']);
    expect(h.got('d')).toEqual(['UNCHOKE']);
    // e and f compete for the optimistic slot; random 0.99 picks the last one
    expect(h.got('f')).toEqual(['UNCHOKE']);
    expect(h.got('e')).toEqual([]);
  });

  it('rechokes every 10 s following rate changes', () => {
    const peers = [p('a', 50), p('b', 40), p('c', 30), p('d', 20), p('e', 10), p('f', 1)];
    const h = harness(peers, [0.99]); // optimistic: f
    const first = h.rechokes.length;
    peers[4] = p('e', 1000); // e becomes the best uploader
    h.clock.increment(9_999);
    expect(h.rechokes.length).toBe(first);
    h.clock.increment(1);
    expect(h.rechokes.length).toBe(first + 1);
    expect(h.rechokes.at(-1)!.unchoked).toEqual(['e', 'a', 'b', 'c', 'f']);
    expect(h.got('d')).toEqual(['UNCHOKE', 'CHOKE']);
  });

  it('rotates the optimistic unchoke every 30 s', () => {
    const peers = [p('a', 50), p('b', 40), p('c', 30), p('d', 20), p('x', 0), p('y', 0)];
    const h = harness(peers, [0, 0.99]);
    expect(h.got('x')).toEqual(['UNCHOKE']);
    h.clock.increment(29_999);
    expect(h.rechokes.at(-1)!.optimistic).toBe('x');
    h.clock.increment(1);
    expect(h.rechokes.at(-1)!.optimistic).toBe('y');
    expect(h.got('x')).toEqual(['UNCHOKE', 'CHOKE']);
    expect(h.got('y')).toEqual(['UNCHOKE']);
  });

  it('takes the regular slot from a snubbing peer', () => {
    const peers = [p('a', 50), p('b', 40)];
    const h = harness(peers, [0]);
    expect(h.got('a')).toEqual(['UNCHOKE']);
    peers[0] = p('a', 50, { snubbed: true });
    h.clock.increment(10_000);
    expect(h.rechokes.at(-1)!.unchoked).not.toContain('a');
    expect(h.got('a')).toEqual(['UNCHOKE', 'CHOKE']);
  });

  it('chokes everyone when paused and restarts on resume', () => {
    const peers = [p('a', 50)];
    const h = harness(peers, [0]);
    h.choker!.send({ type: 'PAUSE' });
    expect(h.got('a')).toEqual(['UNCHOKE', 'CHOKE']);
    h.choker!.send({ type: 'RESUME' });
    expect(h.got('a')).toEqual(['UNCHOKE', 'CHOKE', 'UNCHOKE']);
  });

  it('draws an optimistic peer as soon as one can be had, not 30 s later', () => {
    const peers: ChokeCandidate[] = [p('a', 50), p('b', 40), p('c', 30), p('d', 20)];
    const h = harness(peers, [0]);
    expect(h.rechokes).toEqual([]); // nobody new yet
    peers.push(p('late', 0));
    h.choker!.send({ type: 'PEERS_CHANGED' });
    expect(h.rechokes.at(-1)!.optimistic).toBe('late');
  });

  it('sends chokes before unchokes, so slots never exceed the limit during a swap', () => {
    const peers = [p('a', 50), p('b', 40), p('c', 30), p('d', 20), p('e', 10), p('f', 5)];
    const h = harness(peers, [0.99]);
    const order: string[] = [];
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const ref = h.actor.getSnapshot().children[id] as AnyActorRef;
      ref.subscribe(() => order.push(`${id}:${(ref.getSnapshot().context as { got: string[] }).got.at(-1)}`));
    }
    peers[4] = p('e', 1000);
    h.clock.increment(10_000);
    expect(order).toEqual(['d:CHOKE', 'e:UNCHOKE']);
  });
});
