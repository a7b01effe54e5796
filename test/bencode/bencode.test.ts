import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { decode, decodeWithSpans, encode, type BValue, type BencodeErrorCode } from '../../src/bencode/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Bencode values in the decoder's canonical form (safe ints as number, larger as bigint). */
const bvalue: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 40 }),
    fc.maxSafeInteger(),
    fc.bigInt().map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)),
    fc.array(tie('v'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 8 }), tie('v')), {
        selector: (e) => e[0],
        maxLength: 5,
      })
      .map((entries) => new Map(entries)),
  ),
})).v;

describe('bencode round trip', () => {
  it('decode(encode(x)) = x for random values', () => {
    fc.assert(
      fc.property(bvalue, (v) => {
        const r = decode(encode(v));
        expect(E.isRight(r)).toBe(true);
        expect(E.isRight(r) && r.right).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('encode(decode(b)) = b for canonical inputs', () => {
    fc.assert(
      fc.property(bvalue, (v) => {
        const bytes = encode(v);
        const r = decode(bytes);
        expect(E.isRight(r) && Buffer.from(encode(r.right)).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('random bytes never throw or hang: only values or typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decode(bytes);
        if (E.isLeft(r)) {
          expect(r.left._tag).toBe('BencodeError');
          expect(r.left.offset).toBeGreaterThanOrEqual(0);
          expect(r.left.offset).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid encodings never throw', () => {
    fc.assert(
      fc.property(bvalue, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
        const bytes = encode(v).slice();
        if (bytes.length > 0) bytes[at % bytes.length] = byte;
        const r = decode(bytes);
        expect(E.isLeft(r) ? r.left._tag : 'ok').toMatch(/BencodeError|ok/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('bencode decode', () => {
  it('keeps integers beyond 2^53 exact', () => {
    const r = decode(ascii('i123456789012345678901234567890e'));
    expect(r).toEqual(E.right(123456789012345678901234567890n));
    expect(decode(ascii('i-9007199254740993e'))).toEqual(E.right(-9007199254740993n));
    expect(decode(ascii('i9007199254740991e'))).toEqual(E.right(9007199254740991));
  });

  it('treats a __proto__ key as an ordinary entry', () => {
    const r = decode(ascii('d9:__proto__d1:ai1eee'));
    expect(E.isRight(r)).toBe(true);
    const m = E.isRight(r) ? (r.right as Map<string, BValue>) : new Map();
    expect(m.get('__proto__')).toEqual(new Map([['a', 1]]));
    expect(({} as Record<string, unknown>)['a']).toBeUndefined();
  });

  it('reports the span of the original bytes of a nested dictionary, even when not canonical', () => {
    // keys unsorted inside info: a re-encoding would differ, the span must not
    const text = 'd4:infod4:name1:x6:lengthi5eee';
    const bytes = ascii(text);
    const r = decodeWithSpans(bytes);
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    const info = (r.right.value as Map<string, BValue>).get('info') as object;
    const span = r.right.spans.get(info);
    expect(span).toEqual([7, text.length - 1]);
    expect(Buffer.from(bytes.subarray(...span!)).toString()).toBe('d4:name1:x6:lengthi5ee');
    expect(r.right.warnings.map((w) => w.code)).toEqual(['unsorted-keys']);
  });

  const bad: [string, string | Uint8Array, BencodeErrorCode, number][] = [
    ['negative zero', 'i-0e', 'invalid-integer', 0],
    ['leading zero', 'i03e', 'invalid-integer', 0],
    ['empty integer', 'ie', 'invalid-integer', 0],
    ['lone minus', 'i-e', 'invalid-integer', 0],
    ['integer with junk', 'i12x4e', 'invalid-integer', 3],
    ['unterminated integer', 'i12', 'unexpected-end', 3],
    ['huge integer', `i${'9'.repeat(300)}e`, 'integer-too-long', 1],
    ['string beyond input', '10:abc', 'length-beyond-input', 0],
    ['absurd string length', '999999999999999:x', 'length-beyond-input', 0],
    ['over-long length', `${'1'.repeat(40)}:x`, 'invalid-length', 0],
    ['negative length', '-3:abc', 'invalid-length', 0],
    ['length leading zero', '03:abc', 'invalid-length', 0],
    ['missing colon', '3abc', 'invalid-length', 1],
    ['non-string key', 'di1ei2ee', 'non-string-key', 1],
    ['duplicate key', 'd1:ai1e1:ai2ee', 'duplicate-key', 7],
    ['unterminated list', 'li1e', 'unexpected-end', 4],
    ['unterminated dict', 'd1:a', 'unexpected-end', 4],
    ['trailing garbage', 'i1ex', 'trailing-bytes', 3],
    ['empty input', '', 'unexpected-end', 0],
    ['stray end', 'e', 'unexpected-byte', 0],
    ['too deep', 'l'.repeat(101) + 'e'.repeat(101), 'too-deep', 100],
  ];
  it.each(bad)('%s → %s', (_name, input, code, offset) => {
    const r = decode(typeof input === 'string' ? ascii(input) : input);
    expect(E.isLeft(r)).toBe(true);
    if (E.isRight(r)) return;
    expect(r.left.code).toBe(code);
    expect(r.left.offset).toBe(offset);
    expect(r.left.message).toContain(`at byte ${offset}`);
  });

  it('accepts nesting exactly at the depth limit', () => {
    expect(E.isRight(decode(ascii('l'.repeat(100) + 'e'.repeat(100))))).toBe(true);
  });

  it('survives a million-deep nesting attempt without stack overflow', () => {
    const r = decode(ascii('l'.repeat(1_000_000)));
    expect(E.isLeft(r) && r.left.code).toBe('too-deep');
  });

  it('bounds the item count', () => {
    const r = decode(ascii('l' + 'i1e'.repeat(50) + 'e'), { maxItems: 10 });
    expect(E.isLeft(r) && r.left.code).toBe('too-many-items');
  });

  it('rejects unsorted keys in strict mode', () => {
    const r = decode(ascii('d1:bi1e1:ai2ee'), { strictKeyOrder: true });
    expect(E.isLeft(r) && r.left.code).toBe('unsorted-keys');
  });
});

describe('bencode encode', () => {
  it('sorts keys by bytes and writes canonical forms', () => {
    const out = encode({ b: 1, a: 'x', c: [1n, new Uint8Array([0xff])], skip: undefined });
    expect(Buffer.from(out).toString('latin1')).toBe('d1:a1:x1:bi1e1:cli1e1:\xffee');
  });
  it('refuses non-integers', () => {
    expect(() => encode(1.5)).toThrow(RangeError);
  });
});
