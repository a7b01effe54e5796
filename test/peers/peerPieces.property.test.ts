import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeerPieces } from '../../src/peers/peerPieces.js';
import { Availability } from '../../src/pieces/availability.js';
import { Bitfield } from '../../src/pieces/bitfield.js';

const N = 19; // spare bits in the last byte
// mostly a few pieces, so announcements, retractions and our verifications of one piece interleave
const index = fc.oneof(fc.nat(3), fc.nat(N - 1));

const op = fc.oneof(
  fc.record({ kind: fc.constant('have' as const), peer: fc.nat(2), index }),
  fc.record({ kind: fc.constant('bitfield' as const), peer: fc.nat(2), bits: fc.array(fc.boolean(), { minLength: N, maxLength: N }) }),
  fc.record({ kind: fc.constant('all' as const), peer: fc.nat(2) }),
  fc.record({ kind: fc.constant('none' as const), peer: fc.nat(2) }),
  // BEP 54 lt_donthave, for pieces the peer announced or not
  fc.record({ kind: fc.constant('dontHave' as const), peer: fc.nat(2), index }),
  // we verify a piece: `have` holds it at once, peers hear of it in a later batch (PIECES_VERIFIED)
  fc.record({ kind: fc.constant('verified' as const), index }),
  fc.record({ kind: fc.constant('batch' as const) }),
  // our copy of a verified piece became unreadable (UploadFlow clears it, then each peer hears it;
  // a loss flushes the pending batch first, as the session's verified batches do)
  fc.record({ kind: fc.constant('lost' as const), index }),
  fc.record({ kind: fc.constant('leave' as const), peer: fc.nat(2) }),
);

const toBytes = (bits: readonly boolean[]): Uint8Array => {
  const out = new Uint8Array(Math.ceil(N / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 0x80 >> (i & 7);
  });
  return out;
};

describe('PeerPieces', () => {
  it('keeps availability the exact sum over connected peers, and interest the count of their pieces we lack, whatever they announce and retract, in any order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const have = new Bitfield(N);
        const availability = new Availability(N);
        const peers = [0, 1, 2].map(() => new PeerPieces(have, availability));
        const gone = new Set<number>();
        let pending: number[] = [];
        const flush = (): void => {
          for (const i of pending) for (const p of peers) p.weVerified(i);
          pending = [];
        };
        const check = (): void => {
          for (let i = 0; i < N; i++) {
            const holders = peers.filter((p, k) => !gone.has(k) && p.bitfield.has(i)).length;
            expect(availability.of(i)).toBe(holders);
          }
          // interest is exact once every verified piece was heard of
          if (pending.length > 0) return;
          peers.forEach((p, k) => {
            let lacking = 0;
            for (let i = 0; i < N; i++) if (p.bitfield.has(i) && !have.has(i)) lacking++;
            expect(p.interesting).toBe(gone.has(k) ? 0 : lacking);
          });
        };
        for (const o of ops) {
          if (o.kind === 'verified') {
            if (have.set(o.index)) pending.push(o.index);
          } else if (o.kind === 'batch') flush();
          else if (o.kind === 'lost') {
            flush();
            if (have.clear(o.index)) for (const p of peers) p.weLost(o.index);
          } else {
            const p = peers[o.peer]!;
            if (o.kind === 'have') p.gain(o.index);
            else if (o.kind === 'bitfield') p.replaceWithBitfield(toBytes(o.bits));
            else if (o.kind === 'all') p.replaceWithAll();
            else if (o.kind === 'none') p.replaceWithNone();
            else if (o.kind === 'dontHave') {
              const had = p.bitfield.has(o.index) && !gone.has(o.peer);
              expect(p.lose(o.index)).toBe(had);
              if (!gone.has(o.peer)) expect(p.bitfield.has(o.index)).toBe(false);
            } else {
              p.release();
              gone.add(o.peer);
            }
          }
          check();
        }
        flush();
        check();
        for (const p of peers) p.release();
        for (let i = 0; i < N; i++) expect(availability.of(i)).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('a retracted piece is no longer counted or wanted, and a retraction of one never announced changes nothing', () => {
    const have = new Bitfield(4);
    const availability = new Availability(4);
    const p = new PeerPieces(have, availability);
    p.gain(1);
    p.gain(2);
    expect(p.interesting).toBe(2);
    expect(p.lose(3)).toBe(false);
    expect(p.lose(99)).toBe(false); // out of range: the decoder refuses it, this never throws
    expect([p.interesting, availability.of(3)]).toEqual([2, 0]);
    expect(p.lose(2)).toBe(true);
    expect([p.interesting, availability.of(2), p.bitfield.has(2)]).toEqual([1, 0, false]);
    expect(p.lose(2)).toBe(false); // twice: once only
    expect([p.interesting, availability.of(2)]).toEqual([1, 0]);
  });

  it('uncounts a retracted piece we verified but whose batch the peer has not heard yet, exactly once', () => {
    const have = new Bitfield(4);
    const p = new PeerPieces(have, new Availability(4));
    p.gain(1);
    have.set(1); // verified: in `have` at once, PIECES_VERIFIED comes with the next batch
    expect(p.lose(1)).toBe(true);
    expect(p.interesting).toBe(0);
    expect(p.weVerified(1)).toBe(false); // the batch arrives: nothing left to uncount
    expect(p.interesting).toBe(0);
  });
});
