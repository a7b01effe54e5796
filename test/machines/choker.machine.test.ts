import { describe, expect, it } from 'vitest';
import { assign, createActor, fromCallback, setup, SimulatedClock, type AnyActorRef } from 'xstate';
import { chokerMachine, type PeersRead } from '../../machines/choker.machine.js';
import type { ChokeCandidate } from '../../src/choking/chokeDecision.js';

/** A stand-in peer actor that records the choke commands it receives. */
const recorder = setup({ types: { context: {} as { got: string[] }, events: {} as { type: 'CHOKE' } | { type: 'UNCHOKE' } } }).createMachine({
  context: { got: [] },
  on: { '*': { actions: assign({ got: ({ context, event }) => [...context.got, event.type] }) } },
});

function harness(peers: ChokeCandidate[], randomValues: number[] = [0]) {
  const clock = new SimulatedClock();
  let r = 0;
  // the session's reader, on the simulated clock: a snapshot of `peers`, the time and the next draw
  const readPeers = fromCallback(({ sendBack, receive }) => {
    receive(() => sendBack({ type: 'PEERS_READ', peers: [...peers], now: clock.now(), draw: randomValues[r++ % randomValues.length]! } satisfies PeersRead));
  });
  const choker = chokerMachine.provide({ actors: { readPeers } });
  const parent = setup({ actors: { choker, recorder } }).createMachine({
    entry: assign(({ spawn }) => {
      for (const p of peers) spawn('recorder', { id: p.id, systemId: p.id });
      return {};
    }),
    invoke: {
      id: 'choker',
      src: 'choker',
      input: {},
    },
  });
  const actor = createActor(parent, { clock });
  const rechokes: { unchoked: readonly string[]; optimistic: string | undefined }[] = [];
  actor.start();
  const chokerRef = actor.getSnapshot().children['choker'] as AnyActorRef | undefined;
  (actor.getSnapshot().children['choker'] as AnyActorRef).on('rechoked', (e: { unchoked: readonly string[]; optimistic: string | undefined }) => rechokes.push(e));
  const got = (id: string): string[] => ((actor.getSnapshot().children[id] as AnyActorRef).getSnapshot().context as { got: string[] }).got;
  return { clock, actor, rechokes, got, choker: chokerRef };
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

  it('decides from the snapshot it is sent alone (time and randomness are event data, so replays repeat it)', () => {
    const silent = chokerMachine.provide({ actors: { readPeers: fromCallback(() => undefined) } });
    const decide = (): (string | undefined)[] => {
      const clock = new SimulatedClock();
      const actor = createActor(silent, { clock, input: {} });
      const out: (string | undefined)[] = [];
      actor.on('rechoked', (e) => out.push(e.optimistic));
      actor.start();
      const peers = [p('a', 50), p('b', 40), p('c', 30), p('d', 20), p('x', 0, { connectedAt: 90_000 }), p('y', 0)];
      actor.send({ type: 'PEERS_READ', peers, now: 100_000, draw: 0.5 }); // x is new: weight 3 of 4, y old: 1
      clock.increment(30_000);
      actor.send({ type: 'PEERS_READ', peers, now: 130_000, draw: 0.9 }); // the rotation: y, the only other
      actor.stop();
      return out;
    };
    expect(decide()).toEqual(['x', 'y']);
    expect(decide()).toEqual(decide());
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

describe('choker: early decisions fill vacant slots, never choke (no fibrillation)', () => {
  it('a peer toggling its interest makes no honest peer lose its slot between rechokes', () => {
    const peers: { -readonly [K in keyof ChokeCandidate]: ChokeCandidate[K] }[] = ['h', 'a', 'b', 'c', 'x', 'y', 'z', 'w'].map((id, k) => ({ id, interested: true, rate: 100 - k, snubbed: false, connectedAt: -1e9 }));
    const choker = chokerMachine.provide({
      actors: {
        readPeers: fromCallback(({ sendBack, receive }) => {
          receive(() => sendBack({ type: 'PEERS_READ', peers: peers.map((p) => ({ ...p })), now: 0, draw: 0.99 } satisfies PeersRead));
        }),
      },
    });
    const clock = new SimulatedClock();
    const actor = createActor(choker, { input: { options: { slots: 4, newPeerMs: 60_000 } }, clock });
    const decisions: string[][] = [];
    actor.on('rechoked', (e) => decisions.push([...e.unchoked]));
    actor.start();
    const h = peers[0]!;
    const start = decisions.length;
    for (let k = 0; k < 100; k++) {
      h.interested = !h.interested; // the hostile peer's interested / not interested, 5 bytes each
      actor.send({ type: 'PEERS_CHANGED' });
    }
    const storm = decisions.slice(start - 1);
    const honest = ['a', 'b', 'c', 'x', 'y', 'z', 'w'];
    // once unchoked, an honest peer stays unchoked until the next regular rechoke
    for (let i = 1; i < storm.length; i++) {
      for (const id of honest) if (storm[i - 1]!.includes(id)) expect(storm[i]).toContain(id);
    }
    expect(storm.length).toBeGreaterThan(50); // the early decisions did run
    // the regular rechoke 10 s later re-ranks everyone again
    h.interested = true;
    clock.increment(10_000);
    expect(decisions.at(-1)).toContain('h');
  });
});
