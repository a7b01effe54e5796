import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/pieceGeometry.js';
import { BlockSenders } from '../../src/trust/blockSenders.js';
import { blockDigests } from '../../src/trust/blockDigests.js';
import { SmartBan } from '../../src/trust/smartBan.js';

const BLOCKS = 8;
/** A piece of BLOCKS blocks; block b filled with `seed + b`. */
const piece = (seed: number): Uint8Array => {
  const p = new Uint8Array(BLOCKS * BLOCK_SIZE);
  for (let b = 0; b < BLOCKS; b++) p.fill((seed + b) & 0xff, b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE);
  return p;
};
/** `good` with the given blocks damaged (one byte flipped each). */
const damaged = (good: Uint8Array, blocks: Iterable<number>): Uint8Array => {
  const p = good.slice();
  for (const b of blocks) p[b * BLOCK_SIZE + 7] = p[b * BLOCK_SIZE + 7]! ^ 0xff;
  return p;
};

describe('BlockSenders', () => {
  it('keeps one slot per IP in use and frees it when the last block naming it leaves flight', () => {
    const s = new BlockSenders();
    s.record(0, 0, 4, '127.0.0.2');
    s.record(0, 1, 4, '127.0.0.3');
    s.record(1, 0, 4, '127.0.0.2');
    expect(s.ipsInUse).toBe(2);
    s.record(0, 1, 4, '127.0.0.2'); // a later copy of the block replaces its sender
    expect(s.ipsInUse).toBe(1);
    expect(s.soleSender(0)).toBe('127.0.0.2');
    const taken = s.take(0);
    expect(taken.ips).toEqual(['127.0.0.2']);
    expect([...taken.who]).toEqual([0, 0, -1, -1]);
    expect(s.take(1).ips).toEqual(['127.0.0.2']);
    expect(s.ipsInUse).toBe(0);
    expect(s.piecesInFlight).toBe(0);
    // freed slots are reused: memory follows the blocks in flight, not the IPs ever seen
    for (let i = 0; i < 1000; i++) {
      s.record(2, i % 4, 4, `10.0.${i >> 8}.${i & 255}`);
      if (i % 4 === 3) s.take(2);
    }
    expect(s.ipsInUse).toBe(0);
    s.record(5, 0, 2, 'x');
    s.record(5, 1, 2, 'y');
    s.drop(5);
    expect(s.ipsInUse).toBe(0);
    expect(s.piecesInFlight).toBe(0);
  });
});

describe('SmartBan', () => {
  it('names the sole sender of a failed piece at once and keeps no copy', () => {
    const sb = new SmartBan();
    for (let b = 0; b < BLOCKS; b++) sb.record(3, b, BLOCKS, '127.0.0.9');
    expect(sb.soleSender(3)).toBe('127.0.0.9');
    expect(sb.pieceFailed(3, undefined)).toEqual([{ ip: '127.0.0.9', reason: 'sent every block of piece 3, which failed its hash check' }]);
    expect(sb.hasFailedCopies(3)).toBe(false);
  });

  it('bans exactly the IPs whose blocks differ from the good copy; honest contributors are cleared', () => {
    const sb = new SmartBan();
    const good = piece(1);
    // failed copy: blocks 0-3 from an honest peer, 4-7 from a liar that damaged 5 and 6
    for (let b = 0; b < BLOCKS; b++) sb.record(0, b, BLOCKS, b < 4 ? 'honest' : 'liar');
    expect(sb.soleSender(0)).toBeUndefined();
    expect(sb.pieceFailed(0, blockDigests(damaged(good, [5, 6])))).toEqual([]);
    expect(sb.hasFailedCopies(0)).toBe(true);
    expect(sb.isSuspect(0, 'honest')).toBe(true);
    expect(sb.isSuspect(0, 'other')).toBe(false);
    // the refetch from someone else passes
    for (let b = 0; b < BLOCKS; b++) sb.record(0, b, BLOCKS, 'other');
    expect(sb.piecePassed(0, blockDigests(good))).toEqual([{ ip: 'liar', reason: 'sent 2 blocks of piece 0 that differ from the copy that passed its hash check' }]);
    expect(sb.hasFailedCopies(0)).toBe(false);
    expect(sb.failedCopies).toBe(0);
    expect(sb.piecesInFlight).toBe(0);
  });

  it('bounds the failed copies it keeps, dropping the oldest pieces first', () => {
    const sb = new SmartBan({ maxCopies: 3, maxCopiesPerPiece: 2 });
    const fail = (index: number): void => {
      sb.record(index, 0, 2, 'a');
      sb.record(index, 1, 2, 'b');
      sb.pieceFailed(index, new Uint8Array(40));
    };
    fail(0);
    fail(0);
    fail(0); // a third copy of piece 0 pushes out its first
    expect(sb.failedCopies).toBe(2);
    fail(1);
    fail(2); // over 3 copies: piece 0 (oldest) goes
    expect(sb.hasFailedCopies(0)).toBe(false);
    expect(sb.hasFailedCopies(1) && sb.hasFailedCopies(2)).toBe(true);
    expect(sb.failedCopies).toBe(2);
  });

  it('property: over any mix of senders and failed copies, the culprits are exactly the liars that sent a damaged block', () => {
    const ips = ['h1', 'h2', 'l1', 'l2'];
    const copy = fc.record({
      senders: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: BLOCKS, maxLength: BLOCKS }),
      // which blocks each liar damages in this copy
      damage: fc.array(fc.boolean(), { minLength: BLOCKS, maxLength: BLOCKS }),
    });
    fc.assert(
      fc.property(fc.array(copy, { minLength: 1, maxLength: 4 }), (copies) => {
        const sb = new SmartBan();
        const good = piece(42);
        const expected = new Set<string>();
        const immediate = new Set<string>();
        for (const c of copies) {
          const bad: number[] = [];
          c.senders.forEach((s, b) => {
            if (s >= 2 && c.damage[b] === true) bad.push(b);
          });
          if (bad.length === 0) continue; // this copy would have passed: not a failed copy
          c.senders.forEach((s, b) => sb.record(0, b, BLOCKS, ips[s]!));
          const sole = new Set(c.senders).size === 1;
          const named = sb.pieceFailed(0, sole ? undefined : blockDigests(damaged(good, bad)));
          if (sole) immediate.add(ips[c.senders[0]!]!);
          else for (const b of bad) expected.add(ips[c.senders[b]!]!);
          for (const n of named) immediate.has(n.ip) || expect.fail(`named ${n.ip} without proof`);
        }
        const culprits = sb.piecePassed(0, blockDigests(good)).map((c) => c.ip);
        expect(new Set(culprits)).toEqual(expected);
        for (const ip of [...culprits, ...immediate]) expect(ip.startsWith('l')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
