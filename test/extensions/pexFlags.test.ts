import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/bencode/index.js';
import { decodeUtPex, encodeUtPex, PexFlags, pexFlagsOf, prefersEncryption } from '../../src/extensions/index.js';

const v4 = (a: number, b: number, c: number, d: number, port: number): number[] => [a, b, c, d, port >> 8, port & 0xff];

describe('BEP 11 added.f flags', () => {
  it('has the bits BEP 11 defines', () => {
    expect(PexFlags).toEqual({ prefersEncryption: 0x01, seed: 0x02, supportsUtp: 0x04, supportsHolepunch: 0x08, reachable: 0x10 });
  });

  it('advertises 0x01 for a connection that used MSE, 0x02 for a seed, 0x10 for one we dialled', () => {
    expect(pexFlagsOf({ outgoing: true, seed: false, encrypted: false })).toBe(0x10);
    expect(pexFlagsOf({ outgoing: true, seed: false, encrypted: true })).toBe(0x11);
    expect(pexFlagsOf({ outgoing: true, seed: true, encrypted: true })).toBe(0x13);
    expect(pexFlagsOf({ outgoing: false, seed: true, encrypted: false })).toBe(0x02);
  });

  it('reads "prefers encryption" from bit 0x01 alone: reserved and other bits are ignored', () => {
    expect([0x00, 0x01, 0x02, 0x13, 0xfe, 0xff, 0x80 | 0x01].map(prefersEncryption)).toEqual([false, true, false, true, false, true, true]);
  });

  it('a received flags byte with reserved bits set is taken as sent, for IPv4 and IPv6 peers', () => {
    const six = [...Array<number>(15).fill(0), 1, 0x1a, 0xe1];
    const r = decodeUtPex(encode({ added: Uint8Array.from([...v4(10, 0, 0, 1, 1), ...v4(10, 0, 0, 2, 2)]), 'added.f': Uint8Array.of(0xe1, 0x40), added6: Uint8Array.from(six), 'added6.f': Uint8Array.of(0x21) }));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.added.map((p) => [p.ip, p.flags, prefersEncryption(p.flags)])).toEqual([
      ['10.0.0.1', 0xe1, true],
      ['10.0.0.2', 0x40, false],
      ['::1', 0x21, true],
    ]);
  });

  it('property: the flags byte we encode is the one decoded, so 0x01 survives the wire', () => {
    const facts = fc.record({ outgoing: fc.boolean(), seed: fc.boolean(), encrypted: fc.boolean() });
    fc.assert(
      fc.property(fc.array(facts, { minLength: 1, maxLength: 50 }), (all) => {
        const added = all.map((f, i) => ({ ip: `10.1.${i >> 8}.${(i & 0xff) + 1}`, port: 6881, flags: pexFlagsOf(f) }));
        const r = decodeUtPex(encodeUtPex({ added, dropped: [] }));
        if (E.isLeft(r)) throw new Error(r.left.message);
        expect(r.right.added.map((p) => prefersEncryption(p.flags))).toEqual(all.map((f) => f.encrypted));
        expect(r.right.added.map((p) => p.flags)).toEqual(added.map((p) => p.flags));
      }),
      { numRuns: 200 },
    );
  });
});
