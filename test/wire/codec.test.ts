import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodeHandshake,
  decodeMessage,
  describeWireError,
  encodeBlockRefs,
  encodeHaves,
  encodeHandshake,
  encodeMessage,
  encodeMessageParts,
  MessageId,
  type WireError,
} from '../../src/wire/index.js';
import { normalize, wireMessage } from './arbitraries.js';

const concatParts = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};

describe('wire message codec', () => {
  it('round-trips every message type', () => {
    fc.assert(
      fc.property(wireMessage, (m) => {
        const decoded = decodeFrame(encodeMessage(m));
        expect(E.isRight(decoded)).toBe(true);
        if (E.isRight(decoded)) expect(normalize(decoded.right)).toEqual(normalize(m));
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes the same bytes in parts as in one buffer', () => {
    fc.assert(
      fc.property(wireMessage, (m) => {
        expect(Array.from(concatParts(encodeMessageParts(m)))).toEqual(Array.from(encodeMessage(m)));
      }),
    );
  });

  it('encodes a batch of block references as the messages one by one, back to back', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(
        fc.constantFrom('request' as const, 'cancel' as const, 'reject' as const),
        fc.array(fc.record({ index: u32, begin: u32, length: u32 }), { maxLength: 70 }),
        (type, refs) => {
          const one = concatParts(refs.map((r) => encodeMessage({ type, ...r })));
          expect(Array.from(encodeBlockRefs(type, refs))).toEqual(Array.from(one));
        },
      ),
    );
  });

  it('encodes a batch of haves as the have messages one by one, back to back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 2000 }), (indices) => {
        const one = concatParts(indices.map((index) => encodeMessage({ type: 'have', index })));
        expect(Array.from(encodeHaves(indices))).toEqual(Array.from(one));
      }),
      { numRuns: 50 },
    );
  });

  it('writes the BEP 3 layout: 4-byte big-endian length, id, payload', () => {
    expect(Array.from(encodeMessage({ type: 'have', index: 0x01020304 }))).toEqual([0, 0, 0, 5, 4, 1, 2, 3, 4]);
    expect(Array.from(encodeMessage({ type: 'keepAlive' }))).toEqual([0, 0, 0, 0]);
    expect(Array.from(encodeMessage({ type: 'port', port: 6881 }))).toEqual([0, 0, 0, 3, 9, 0x1a, 0xe1]);
    expect(Array.from(encodeMessage({ type: 'haveAll' }))).toEqual([0, 0, 0, 1, 0x0e]);
    expect(Array.from(encodeMessage({ type: 'extended', extendedId: 0, payload: Uint8Array.of(0x64, 0x65) }))).toEqual([
      0, 0, 0, 4, 20, 0, 0x64, 0x65,
    ]);
  });

  it('yields only typed errors, never throws, on random bytes', () => {
    const tags = new Set<WireError['tag']>();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const r of [decodeFrame(bytes), decodeMessage(bytes), decodeHandshake(bytes)]) {
          if (E.isLeft(r)) {
            tags.add(r.left.tag);
            expect(describeWireError(r.left)).toMatch(/\S/);
          }
        }
      }),
      { numRuns: 3000 },
    );
    expect(tags.has('truncated')).toBe(true);
  });

  it('rejects fixed-size messages of the wrong length', () => {
    const r = decodeMessage(Uint8Array.of(MessageId.have, 0, 0, 1));
    expect(r).toEqual(E.left({ tag: 'badLength', messageType: 'have', length: 4, expected: '5' }));
    expect(E.isLeft(decodeMessage(Uint8Array.of(MessageId.choke, 0)))).toBe(true);
    expect(E.isLeft(decodeMessage(Uint8Array.of(MessageId.request, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64)))).toBe(true);
    expect(E.isLeft(decodeMessage(Uint8Array.of(MessageId.piece, 0, 0, 0, 1, 0, 0, 0)))).toBe(true);
  });

  // every id's length rule, one byte short and one byte long: the error names what was expected
  it.each([
    ['choke', 1], ['unchoke', 1], ['interested', 1], ['notInterested', 1], ['haveAll', 1], ['haveNone', 1],
    ['have', 5], ['suggest', 5], ['allowedFast', 5], ['request', 13], ['cancel', 13], ['reject', 13], ['port', 3],
  ] as const)('%s: a body of exactly %i bytes (id included), no other length', (type, size) => {
    const body = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? MessageId[type] : 0));
    expect(E.isRight(decodeMessage(body(size)))).toBe(true);
    for (const n of [size - 1, size + 1].filter((n) => n >= 1)) {
      expect(decodeMessage(body(n))).toEqual(E.left({ tag: 'badLength', messageType: type, length: n, expected: String(size) }));
    }
  });

  it.each([
    ['piece', 9],
    ['extended', 2],
  ] as const)('%s: a body of at least %i bytes', (type, min) => {
    const body = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? MessageId[type] : 0));
    expect(E.isRight(decodeMessage(body(min)))).toBe(true);
    expect(decodeMessage(body(min - 1))).toEqual(E.left({ tag: 'badLength', messageType: type, length: min - 1, expected: `at least ${min}` }));
  });

  it('keeps unknown message ids as values (ignored, not fatal)', () => {
    expect(decodeMessage(Uint8Array.of(0x42, 1, 2))).toEqual(E.right({ type: 'unknown', id: 0x42, payload: Uint8Array.of(1, 2) }));
  });

  it('returns piece blocks as views into the input, not copies', () => {
    const frame = encodeMessage({ type: 'piece', index: 1, begin: 0, block: new Uint8Array(16384).fill(7) });
    const r = decodeFrame(frame);
    if (E.isLeft(r) || r.right.type !== 'piece') throw new Error('expected a piece');
    expect(r.right.block.buffer).toBe(frame.buffer);
  });
});

describe('handshake codec', () => {
  const arb = fc.record({
    reserved: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    infoHash: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    peerId: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(arb, (h) => {
        const bytes = encodeHandshake(h);
        expect(bytes.length).toBe(68);
        expect(decodeHandshake(bytes)).toEqual(E.right(h));
      }),
    );
  });

  it('rejects another protocol string', () => {
    const bytes = encodeHandshake({ reserved: new Uint8Array(8), infoHash: new Uint8Array(20), peerId: new Uint8Array(20) });
    bytes[5] = 0x58;
    const r = decodeHandshake(bytes);
    expect(E.isLeft(r) && r.left.tag).toBe('badProtocol');
    bytes[0] = 18;
    expect(E.isLeft(decodeHandshake(bytes))).toBe(true);
  });
});
