/**
 * BEP 54 lt_donthave on the way in: a 4-byte big-endian piece index under the id we
 * advertised; anything else under that id is a typed error (the connection closes), and the
 * id is only ours to decode when we offered it and know the torrent's pieces.
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  advertisedExtensions,
  decodeDontHave,
  decodeExtensionMessage,
  encodeDontHave,
  LT_DONTHAVE,
  OUR_EXTENSION_IDS,
  ourExtendedHandshake,
  UT_METADATA,
} from '../../src/extensions/index.js';

const ID = OUR_EXTENSION_IDS[LT_DONTHAVE];
const enabled = new Set([UT_METADATA, LT_DONTHAVE]);

describe('lt_donthave decoding (BEP 54)', () => {
  it('reads back every index below the piece count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (pieceCount, at) => {
        const index = Math.floor(at * pieceCount);
        expect(decodeDontHave(encodeDontHave(index), pieceCount)).toEqual(E.right(index));
        expect(decodeExtensionMessage(ID, encodeDontHave(index), enabled, pieceCount)).toEqual(E.right({ extension: LT_DONTHAVE, index }));
      }),
    );
  });

  it.each([
    ['empty', new Uint8Array(0), 'structure'],
    ['3 bytes', Uint8Array.of(0, 0, 1), 'structure'],
    ['5 bytes', Uint8Array.of(0, 0, 0, 1, 0), 'structure'],
    ['the piece count itself', encodeDontHave(10), 'out-of-range'],
    ['2^32 - 1', Uint8Array.of(0xff, 0xff, 0xff, 0xff), 'out-of-range'],
  ])('refuses %s as a typed error, never a throw', (_what, payload, code) => {
    const r = decodeExtensionMessage(ID, payload, enabled, 10);
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'ExtensionError', code });
    expect(E.isLeft(r) && r.left.message).toMatch(/^peer sent a bad lt_donthave message: /);
  });

  it('never throws on any payload under its id', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.nat(1_000), (payload, pieceCount) => {
        const r = decodeExtensionMessage(ID, payload, enabled, pieceCount);
        if (E.isRight(r)) expect(r.right).toEqual({ extension: LT_DONTHAVE, index: new DataView(payload.buffer).getUint32(0) });
        else expect(['structure', 'out-of-range']).toContain(r.left.code);
      }),
    );
  });

  it('is unknown (ignored) when we did not offer it, or the pieces are not known yet', () => {
    expect(decodeExtensionMessage(ID, encodeDontHave(1), new Set([UT_METADATA]), 10)).toEqual(E.right({ extension: 'unknown', extendedId: ID }));
    expect(decodeExtensionMessage(ID, encodeDontHave(1), enabled)).toEqual(E.right({ extension: 'unknown', extendedId: ID }));
    // the default set is what a plain decode advertises: ut_metadata and ut_pex
    expect(decodeExtensionMessage(ID, encodeDontHave(1), undefined, 10)).toEqual(E.right({ extension: 'unknown', extendedId: ID }));
  });

  it('is advertised once the torrent knows its pieces, not while a magnet fetches its metadata', () => {
    const torrent = ourExtendedHandshake({ private: true, knowsPieces: true });
    expect(torrent.m[LT_DONTHAVE]).toBe(ID);
    expect(advertisedExtensions(torrent).has(LT_DONTHAVE)).toBe(true);
    const fetching = ourExtendedHandshake({ private: true });
    expect(advertisedExtensions(fetching).has(LT_DONTHAVE)).toBe(false);
  });
});
