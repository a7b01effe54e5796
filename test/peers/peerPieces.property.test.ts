import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeerPieces } from '../../src/peers/peerPieces.js';
import { Availability } from '../../src/pieces/availability.js';
import { Bitfield } from '../../src/pieces/bitfield.js';

const N = 19; // spare bits in the last byte

const op = fc.oneof(
  fc.record({ kind: fc.constant('have' as const), peer: fc.nat(2), index: fc.nat(N - 1) }),
  fc.record({ kind: fc.constant('bitfield' as const), peer: fc.nat(2), bits: fc.array(fc.boolean(), { minLength: N, maxLength: N }) }),
  fc.record({ kind: fc.constant('all' as const), peer: fc.nat(2) }),
  fc.record({ kind: fc.constant('none' as const), peer: fc.nat(2) }),
  fc.record({ kind: fc.constant('verified' as const), index: fc.nat(N - 1) }),
  // our copy of a verified piece became unreadable (UploadFlow clears it, then each peer hears it)
  fc.record({ kind: fc.constant('lost' as const), index: fc.nat(N - 1) }),
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
  it('keeps availability the exact sum over connected peers, and interest the count of their pieces we lack, whatever they announce', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const have = new Bitfield(N);
        const availability = new Availability(N);
        const peers = [0, 1, 2].map(() => new PeerPieces(have, availability));
        const gone = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'verified') {
            if (have.set(o.index)) for (const p of peers) p.weVerified(o.index);
            continue;
          }
          if (o.kind === 'lost') {
            if (have.clear(o.index)) for (const p of peers) p.weLost(o.index);
            continue;
          }
          const p = peers[o.peer]!;
          if (o.kind === 'have') p.gain(o.index);
          else if (o.kind === 'bitfield') p.replaceWithBitfield(toBytes(o.bits));
          else if (o.kind === 'all') p.replaceWithAll();
          else if (o.kind === 'none') p.replaceWithNone();
          else {
            p.release();
            gone.add(o.peer);
          }
        }
        for (let i = 0; i < N; i++) {
          const holders = peers.filter((p, k) => !gone.has(k) && p.bitfield.has(i)).length;
          expect(availability.of(i)).toBe(holders);
        }
        peers.forEach((p, k) => {
          let lacking = 0;
          for (let i = 0; i < N; i++) if (p.bitfield.has(i) && !have.has(i)) lacking++;
          expect(p.interesting).toBe(gone.has(k) ? 0 : lacking);
        });
        for (const p of peers) p.release();
        for (let i = 0; i < N; i++) expect(availability.of(i)).toBe(0);
      }),
    );
  });
});
