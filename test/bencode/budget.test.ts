import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  decode, decodeWithSpans, encode, itemsFor, MAX_DEFAULT_ITEMS, TRACKER_REPLY_BUDGET, type BValue,
} from '../../src/bencode/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const code = (r: E.Either<{ code: string }, unknown>): string => (E.isLeft(r) ? r.left.code : 'ok');

describe('bencode budget', () => {
  it('refuses an input over maxBytes before reading it', () => {
    const r = decode(ascii('l' + 'i1e'.repeat(10) + 'e'), { maxBytes: 10 });
    expect(code(r)).toBe('too-large');
    expect(E.isLeft(r) && r.left.message).toBe('bencode: input of 32 bytes is over the 10-byte limit at byte 0');
  });

  it('gives an input items in proportion to its size by default, with a floor and a cap', () => {
    expect(itemsFor(10)).toBe(4096);
    expect(itemsFor(1_000_000)).toBe(500_000);
    expect(itemsFor(100_000_000)).toBe(MAX_DEFAULT_ITEMS);
    // 20,000 bytes of empty dictionaries: 10,000 dictionaries of 5 items each, budget 10,001
    const dicts = ascii('l' + 'de'.repeat(10_000) + 'e');
    const r = decode(dicts);
    expect(code(r)).toBe('too-many-items');
    // refused about a fifth of the way in: the work done is bounded by the budget, not the input
    expect(E.isLeft(r) && r.left.offset).toBeLessThan(dicts.length / 4);
    expect(E.isLeft(r) && r.left.message).toMatch(/^bencode: more than 10001 values \(the budget for 20002 input bytes\) at byte \d+$/);
    // the same count of integers fits: they cost one item each
    expect(code(decode(ascii('l' + 'i0e'.repeat(6_000) + 'e')))).toBe('ok');
  });

  it('an explicit maxItems replaces the default', () => {
    const dicts = ascii('l' + 'de'.repeat(10_000) + 'e');
    expect(code(decode(dicts, { maxItems: 60_000 }))).toBe('ok');
  });

  it('the tracker reply budget refuses a reply over 1 MiB and nesting over 8', () => {
    expect(code(decode(new Uint8Array(TRACKER_REPLY_BUDGET.maxBytes + 1), TRACKER_REPLY_BUDGET))).toBe('too-large');
    expect(code(decode(ascii('l'.repeat(9) + 'e'.repeat(9)), TRACKER_REPLY_BUDGET))).toBe('too-deep');
    expect(code(decode(ascii('l'.repeat(8) + 'e'.repeat(8)), TRACKER_REPLY_BUDGET))).toBe('ok');
  });

  it('walks any nesting allowed with an explicit stack (no recursion limit)', () => {
    const n = 200_000;
    const r = decode(ascii('l'.repeat(n) + 'e'.repeat(n)), { maxDepth: n, maxItems: 2 * n });
    expect(code(r)).toBe('ok');
  });

  it('records spans of the top-level value and of info only, unless asked for more', () => {
    const text = 'd4:infod4:name1:xe4:listld1:ai1eeee';
    const bytes = ascii(text);
    const r = decodeWithSpans(bytes);
    if (E.isLeft(r)) throw new Error(r.left.message);
    const top = r.right.value as Map<string, BValue>;
    expect(r.right.spans.get(top)).toEqual([0, text.length]);
    expect(r.right.spans.get(top.get('info') as object)).toEqual([7, 18]);
    const inner = (top.get('list') as BValue[])[0] as object;
    expect(r.right.spans.get(top.get('list') as object)).toBeUndefined();
    expect(r.right.spans.get(inner)).toBeUndefined();
    const all = decodeWithSpans(bytes, { spanDepth: Infinity });
    if (E.isLeft(all)) throw new Error(all.left.message);
    const allTop = all.right.value as Map<string, BValue>;
    const allInner = (allTop.get('list') as BValue[])[0] as object;
    expect(Buffer.from(bytes.subarray(...all.right.spans.get(allInner)!)).toString()).toBe('d1:ai1ee');
  });

  it('keeps at most 16 warnings however many keys are out of order', () => {
    const keys = Array.from({ length: 100 }, (_, i) => String.fromCharCode(0x30 + (99 - i) % 75) + String(99 - i).padStart(3, '0'));
    const text = 'd' + keys.map((k) => `${k.length}:${k}i0e`).join('') + 'e';
    const r = decodeWithSpans(ascii(text));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.warnings.length).toBe(16);
  });

  it('an empty byte string is one shared empty view; its bytes are still an empty string', () => {
    const r = decode(ascii('l0:0:e'));
    if (E.isLeft(r)) throw new Error(r.left.message);
    const [a, b] = r.right as Uint8Array[];
    expect(a!.length).toBe(0);
    expect(b!.length).toBe(0);
  });

  it('decode(encode(x)) = x holds within the default budget', () => {
    const value: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.uint8Array({ maxLength: 8 }),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 3 }), tie('v'), { maxKeys: 3 }).map((o) => new Map(Object.entries(o))),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const r = decode(encode(v));
        if (E.isLeft(r)) throw new Error(r.left.message);
        expect(encode(r.right)).toEqual(encode(v));
      }),
      { numRuns: 500 },
    );
  });
});
