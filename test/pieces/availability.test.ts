import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Availability, Bitfield } from '../../src/pieces/index.js';

type Op =
  | { kind: 'join'; bits: boolean[] }
  | { kind: 'joinAll' }
  | { kind: 'have'; peer: number; piece: number }
  | { kind: 'leave'; peer: number };

const N = 20;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), bits: fc.array(fc.boolean(), { minLength: N, maxLength: N }) }),
  fc.record({ kind: fc.constant('joinAll' as const) }),
  fc.record({ kind: fc.constant('have' as const), peer: fc.nat(), piece: fc.nat({ max: N - 1 }) }),
  fc.record({ kind: fc.constant('leave' as const), peer: fc.nat() }),
);

describe('Availability', () => {
  it('matches a naive count under random joins, haves, have-alls and leaves', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const av = new Availability(N);
        const peers: { field: Bitfield; all: boolean }[] = [];
        for (const op of ops) {
          if (op.kind === 'join') {
            const field = new Bitfield(N);
            op.bits.forEach((b, i) => b && field.set(i));
            av.addPeer(field);
            peers.push({ field, all: false });
          } else if (op.kind === 'joinAll') {
            av.addHaveAll();
            peers.push({ field: Bitfield.full(N), all: true });
          } else if (peers.length > 0) {
            const k = op.peer % peers.length;
            const p = peers[k]!;
            if (op.kind === 'have') {
              if (!p.all && p.field.set(op.piece)) av.addHave(op.piece);
            } else {
              if (p.all) av.removeHaveAll();
              else av.removePeer(p.field);
              peers.splice(k, 1);
            }
          }
          for (let i = 0; i < N; i++) expect(av.of(i)).toBe(peers.filter((p) => p.field.has(i)).length);
        }
        const naiveMin = Math.min(...Array.from({ length: N }, (_, i) => peers.filter((p) => p.field.has(i)).length));
        expect(av.min()).toBe(naiveMin);
        expect(av.minWhere((i) => i % 2 === 1)).toBe(Math.min(...Array.from({ length: N / 2 }, (_, j) => av.of(2 * j + 1))));
      }),
    );
  });

  it('rarity index: rarestWanted picks a wanted piece of minimum availability the peer has', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.boolean(), { minLength: N, maxLength: N }), { maxLength: 6 }),
        fc.array(fc.tuple(fc.nat({ max: N - 1 }), fc.boolean()), { maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: N, maxLength: N }),
        fc.integer(),
        (fields, wantOps, peerBits, seed) => {
          const av = new Availability(N);
          const wanted = new Set(Array.from({ length: N }, (_, i) => i));
          // Interleave wanted changes with count changes so pieces move levels while indexed.
          fields.forEach((bits, k) => {
            const f = new Bitfield(N);
            bits.forEach((b, i) => b && f.set(i));
            av.addPeer(f);
            for (const [i, w] of wantOps.slice(k * 7, k * 7 + 7)) {
              av.setWanted(i, w);
              if (w) wanted.add(i);
              else wanted.delete(i);
            }
          });
          const peer = new Bitfield(N);
          peerBits.forEach((b, i) => b && peer.set(i));
          let x = seed >>> 0;
          const random = (): number => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
          const candidates = [...wanted].filter((i) => peer.has(i));
          expect(av.wantedCount).toBe(wanted.size);
          for (let i = 0; i < N; i++) expect(av.isWanted(i)).toBe(wanted.has(i));
          const got = av.rarestWanted(peer, random);
          if (candidates.length === 0) {
            expect(got).toBe(-1);
          } else {
            expect(candidates).toContain(got);
            expect(av.of(got)).toBe(Math.min(...candidates.map((i) => av.of(i))));
          }
          const r = av.randomWanted(peer, random, 1000);
          if (candidates.length === 0) expect(r).toBe(-1);
          else expect(candidates).toContain(r);
        },
      ),
    );
  });

  it('never wraps below zero on a bookkeeping mistake', () => {
    const av = new Availability(3);
    av.removeHave(1);
    av.removeHaveAll();
    expect(av.of(1)).toBe(0);
  });
});
