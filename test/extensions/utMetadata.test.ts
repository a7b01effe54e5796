import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/bencode/index.js';
import {
  answerMetadataRequest,
  decodeUtMetadata,
  encodeUtMetadata,
  MAX_UT_METADATA_MESSAGE_BYTES,
  metadataPieceCount,
  type UtMetadataMessage,
} from '../../src/extensions/index.js';
import { sampleInfo } from './sampleInfo.js';

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};
const code = (r: E.Either<{ code: string }, unknown>): string | undefined => (E.isLeft(r) ? r.left.code : undefined);

describe('ut_metadata codec (BEP 9)', () => {
  it('decodes the BEP 9 examples: request, data followed by raw bytes, reject', () => {
    expect(decodeUtMetadata(new TextEncoder().encode('d8:msg_typei0e5:piecei0ee'))).toEqual(E.right({ type: 'request', piece: 0 }));
    const raw = new TextEncoder().encode('d8:msg_typei1e5:piecei0e10:total_sizei34256eexxxxxxxx');
    expect(decodeUtMetadata(raw)).toEqual(E.right({ type: 'data', piece: 0, totalSize: 34256, data: new TextEncoder().encode('xxxxxxxx') }));
    expect(decodeUtMetadata(new TextEncoder().encode('d8:msg_typei2e5:piecei0ee'))).toEqual(E.right({ type: 'reject', piece: 0 }));
  });

  it('piece bytes that themselves look like bencode stay raw bytes', () => {
    const data = encode({ evil: 'd1:xi1ee' });
    const r = decodeUtMetadata(encodeUtMetadata({ type: 'data', piece: 3, totalSize: 99_999, data }));
    expect(r).toEqual(E.right({ type: 'data', piece: 3, totalSize: 99_999, data }));
  });

  it('ignores (does not fail on) an unknown msg_type, as BEP 9 requires', () => {
    expect(decodeUtMetadata(encode({ msg_type: 7, piece: 1 }))).toEqual(E.right({ type: 'unknown', msgType: 7 }));
  });

  it.each([
    ['over the budget', concat(encode({ msg_type: 1, piece: 0, total_size: 1 }), new Uint8Array(MAX_UT_METADATA_MESSAGE_BYTES)), 'too-large'],
    ['a data piece over 16 KiB', concat(encode({ msg_type: 1, piece: 0, total_size: 1 }), new Uint8Array(16_385)), 'structure'],
    ['data without total_size', concat(encode({ msg_type: 1, piece: 0 }), new Uint8Array(10)), 'structure'],
    ['a missing piece', encode({ msg_type: 0 }), 'structure'],
    ['a negative piece', encode({ msg_type: 0, piece: -1 }), 'structure'],
    ['bytes after a request', concat(encode({ msg_type: 0, piece: 0 }), new Uint8Array(1)), 'structure'],
    ['not a dictionary', encode([0, 0]), 'structure'],
    ['garbage', Uint8Array.of(0x64, 0x39), 'bencode'],
  ])('refuses %s', (_what, payload, expected) => {
    expect(code(decodeUtMetadata(payload))).toBe(expected);
  });

  it('encode → decode round trip', () => {
    const msg: fc.Arbitrary<UtMetadataMessage> = fc.oneof(
      fc.record({ type: fc.constant('request' as const), piece: fc.nat() }),
      fc.record({ type: fc.constant('reject' as const), piece: fc.nat() }),
      fc.record({ type: fc.constant('data' as const), piece: fc.nat(), totalSize: fc.nat(), data: fc.uint8Array({ maxLength: 16384 }) }),
    );
    fc.assert(
      fc.property(msg, (m) => {
        expect(decodeUtMetadata(encodeUtMetadata(m as Exclude<UtMetadataMessage, { type: 'unknown' }>))).toEqual(E.right(m));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary payloads', () => {
    const prefixed = fc.tuple(fc.constantFrom('d8:msg_typei1e5:piecei0e10:total_sizei5ee', 'd8:msg_typei0e5:piecei', 'd5:piece'), fc.uint8Array({ maxLength: 100 }))
      .map(([h, b]) => concat(new TextEncoder().encode(h), b));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), prefixed), (b) => {
        const r = decodeUtMetadata(b);
        if (E.isLeft(r)) expect(r.left.message).toMatch(/^peer sent a bad ut_metadata message: /);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('serving metadata', () => {
  it('answers every piece with 16 KiB slices (the last shorter) and rejects beyond the end', () => {
    const { infoBytes } = sampleInfo(2000); // 40 KB of hashes: 3 metadata pieces
    const count = metadataPieceCount(infoBytes.length);
    expect(count).toBe(3);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const a = answerMetadataRequest(infoBytes, i);
      if (a.type !== 'data') throw new Error('expected data');
      expect(a.totalSize).toBe(infoBytes.length);
      expect(a.data.length).toBe(i < count - 1 ? 16384 : infoBytes.length - 2 * 16384);
      parts.push(a.data);
    }
    expect(Buffer.concat(parts)).toEqual(Buffer.from(infoBytes));
    expect(answerMetadataRequest(infoBytes, 3)).toEqual({ type: 'reject', piece: 3 });
    expect(answerMetadataRequest(infoBytes, 2 ** 40)).toEqual({ type: 'reject', piece: 2 ** 40 });
  });
});
