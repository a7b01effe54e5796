import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { dhtLookupMachine, type DhtLookupEmitted, type DhtLookupInput } from '../../machines/dhtLookup.machine.js';
import type { Contact } from '../../src/dht/compactInfo.js';
import { commonPrefixBits, idKey, idWithPrefix } from '../../src/dht/nodeId.js';

const target = new Uint8Array(20).fill(0x55);
const rnd = (i: number) => new Uint8Array(20).fill((i * 37) & 255);
/** A node whose id shares `bits` leading bits with the target. */
const node = (bits: number, i: number): Contact => ({ id: idWithPrefix(target, bits, rnd(i)), ip: '127.0.0.1', port: 7000 + i });

function start(input: DhtLookupInput) {
  const clock = new SimulatedClock();
  const actor = createActor(dhtLookupMachine, { input, clock });
  const events: DhtLookupEmitted[] = [];
  for (const t of ['query', 'answered', 'failed', 'peers', 'announce'] as const) actor.on(t, (e) => events.push(e));
  actor.start();
  return { actor, clock, events, queries: () => events.filter((e) => e.type === 'query') };
}

describe('dhtLookup machine', () => {
  it('keeps α = 3 queries in flight, closes in on the target, stops when the k nearest answered', () => {
    const seeds = [node(1, 1), node(2, 2), node(3, 3), node(4, 4), node(5, 5)];
    const { actor, events, queries } = start({ target, method: 'get_peers', seeds, k: 3 });
    expect(queries().map((q) => q.type === 'query' && q.node.prefixBits)).toEqual([5, 4, 3]);
    // a deep simulated network: node at prefix b names two nodes at b + 3 and b + 4
    let next = 10;
    const answer = (c: Contact & { key?: string }) => {
      const bits = commonPrefixBits(c.id, target);
      const named = bits >= 20 ? [] : [node(bits + 3, next++), node(bits + 4, next++)];
      actor.send({ type: 'RESPONSE', key: idKey(c.id), nodes: named, peers: bits >= 20 ? [{ ip: '127.0.0.9', port: 6881 }] : [], token: Uint8Array.of(bits) });
    };
    let answered = 0;
    while (actor.getSnapshot().status === 'active' && answered < 100) {
      const inFlight = actor.getSnapshot().context.table.candidates.filter((c) => c.status === 'asked');
      expect(inFlight.length).toBeLessThanOrEqual(3);
      answer(inFlight[0]!);
      answered++;
    }
    const out = actor.getSnapshot().output!;
    expect(out.stop).toBe('closestAnswered');
    expect(out.closest[0]!.prefixBits).toBeGreaterThanOrEqual(20);
    expect(out.closest.every((c) => c.prefixBits >= 17)).toBe(true);
    expect(out.peers).toBe(1);
    const rounds = queries().map((q) => (q.type === 'query' ? q.round : 0));
    expect(Math.max(...rounds)).toBeGreaterThan(3); // it went several hops deep
    expect(events.some((e) => e.type === 'peers')).toBe(true);
  });

  it('times out silent nodes with the named delay and asks the next nearest', () => {
    const { actor, clock, events, queries } = start({ target, method: 'find_node', seeds: [node(1, 1), node(2, 2), node(3, 3), node(4, 4)], k: 8 });
    expect(queries()).toHaveLength(3);
    clock.increment(1999);
    expect(events.filter((e) => e.type === 'failed')).toHaveLength(0);
    clock.increment(1);
    expect(events.filter((e) => e.type === 'failed' && e.reason === 'timeout')).toHaveLength(3);
    expect(queries()).toHaveLength(4); // the fourth seed is asked once a slot frees
    clock.increment(2000);
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toMatchObject({ stop: 'nothingLeft', closest: [] });
  });

  it('ignores answers nobody asked for and answers after a timeout', () => {
    const seeds = [node(1, 1), node(2, 2)];
    const { actor, clock } = start({ target, method: 'find_node', seeds, alpha: 1 });
    actor.send({ type: 'RESPONSE', key: idKey(node(9, 9).id), nodes: [node(12, 12)], peers: [] });
    expect(actor.getSnapshot().context.table.candidates).toHaveLength(2);
    clock.increment(2000); // the first (nearest) seed times out; the second is asked
    actor.send({ type: 'RESPONSE', key: idKey(seeds[1]!.id), nodes: [node(12, 12)], peers: [] });
    const statuses = () => actor.getSnapshot().context.table.candidates.map((c) => [c.port, c.status]);
    expect(statuses()).toEqual([[7002, 'failed'], [7001, 'asked']]);
    expect(actor.getSnapshot().value).toBe('querying');
  });

  it('announces to the nearest answerers with their tokens, then finishes when all settle', () => {
    const seeds = [node(1, 1), node(2, 2)];
    const { actor, clock, events } = start({ target, method: 'get_peers', seeds, k: 2, announcePort: 6881 });
    for (const s of seeds) actor.send({ type: 'RESPONSE', key: idKey(s.id), nodes: [], peers: [], token: Uint8Array.of(s.port & 255) });
    const announces = events.filter((e) => e.type === 'announce');
    expect(announces).toHaveLength(2);
    expect(actor.getSnapshot().value).toBe('announcing');
    actor.send({ type: 'ANNOUNCE_ACKED', key: idKey(seeds[0]!.id) });
    expect(actor.getSnapshot().value).toBe('announcing');
    clock.increment(2000); // the other never acks
    expect(actor.getSnapshot().status).toBe('done');
  });
});
