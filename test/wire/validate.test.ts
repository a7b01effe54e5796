import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { bitfieldLength, maxFrameLength, validateMessage } from '../../src/wire/index.js';
import { validMessage } from './arbitraries.js';

const rules = (pieceCount: number, fastExtension = true) => ({ pieceCount, fastExtension });

describe('validateMessage', () => {
  it('accepts every well-formed message for the torrent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.constant(n), validMessage(n))),
        ([n, m]) => {
          expect(E.isRight(validateMessage(m, rules(n)))).toBe(true);
        },
      ),
    );
  });

  it('rejects have, request and piece beyond the last piece', () => {
    expect(validateMessage({ type: 'have', index: 10 }, rules(10))).toEqual(
      E.left({ tag: 'pieceIndexOutOfRange', messageType: 'have', index: 10, pieceCount: 10 }),
    );
    expect(E.isLeft(validateMessage({ type: 'request', index: 10, begin: 0, length: 16384 }, rules(10)))).toBe(true);
    expect(E.isLeft(validateMessage({ type: 'piece', index: 99, begin: 0, block: new Uint8Array(1) }, rules(10)))).toBe(true);
  });

  it('rejects bitfields of the wrong size or with spare bits set (BEP 3)', () => {
    expect(validateMessage({ type: 'bitfield', bitfield: new Uint8Array(3) }, rules(10))).toEqual(
      E.left({ tag: 'bitfieldSize', length: 3, expected: 2 }),
    );
    expect(validateMessage({ type: 'bitfield', bitfield: Uint8Array.of(0xff, 0xc0) }, rules(10))).toEqual(
      E.right({ type: 'bitfield', bitfield: Uint8Array.of(0xff, 0xc0) }),
    );
    expect(validateMessage({ type: 'bitfield', bitfield: Uint8Array.of(0xff, 0xe0) }, rules(10))).toEqual(
      E.left({ tag: 'bitfieldSpareBits' }),
    );
  });

  it('rejects BEP 6 messages unless the fast extension was negotiated', () => {
    expect(validateMessage({ type: 'haveAll' }, rules(10, false))).toEqual(
      E.left({ tag: 'fastNotNegotiated', messageType: 'haveAll' }),
    );
    expect(E.isRight(validateMessage({ type: 'haveAll' }, rules(10, true)))).toBe(true);
  });

  it('rejects empty or oversized block requests', () => {
    expect(E.isLeft(validateMessage({ type: 'request', index: 0, begin: 0, length: 0 }, rules(1)))).toBe(true);
    expect(E.isLeft(validateMessage({ type: 'request', index: 0, begin: 0, length: 131073 }, rules(1)))).toBe(true);
  });

  it('caps frames at 1 MiB or the largest bitfield', () => {
    expect(maxFrameLength(100)).toBe(1 << 20);
    expect(maxFrameLength(16 * 1024 * 1024)).toBe(bitfieldLength(16 * 1024 * 1024) + 1);
    expect(maxFrameLength(8 * (1 << 20) + 8)).toBe((1 << 20) + 2);
  });
});
