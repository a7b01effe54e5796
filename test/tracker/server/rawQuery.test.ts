import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { parseRawQuery } from '../../../src/tracker/server/rawQuery.js';
import { pct } from './support/rawTrackerRequests.js';

describe('parseRawQuery', () => {
  it('decodes percent-encoded binary values byte for byte (UTF-8 decoding would corrupt them)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
      const q = parseRawQuery(`/announce?info_hash=${pct(bytes)}&port=1`);
      expect(E.isRight(q)).toBe(true);
      if (E.isRight(q)) expect(Array.from(q.right.get('info_hash')?.[0] ?? [])).toEqual(Array.from(bytes));
    }));
  });

  it('decodes many pairs exactly, whatever bytes keys and values hold (property)', () => {
    const pair = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.uint8Array({ maxLength: 30 }));
    fc.assert(fc.property(fc.array(pair, { maxLength: 20 }), (pairs) => {
      const q = parseRawQuery(`/announce?${pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}`);
      expect(E.isRight(q)).toBe(true);
      if (E.isLeft(q)) return;
      const expected = new Map<string, number[][]>();
      for (const [k, v] of pairs) {
        const key = Buffer.from(k).toString('latin1');
        expected.set(key, [...(expected.get(key) ?? []), Array.from(v)]);
      }
      expect(new Map([...q.right].map(([k, vs]) => [k, vs.map((v) => Array.from(v))]))).toEqual(expected);
    }));
  });

  it('keeps unescaped safe characters and repeated keys in order', () => {
    const q = parseRawQuery('/scrape?info_hash=ab%ffc&info_hash=x+y&flag');
    expect(E.isRight(q)).toBe(true);
    if (E.isLeft(q)) return;
    expect(q.right.get('info_hash')?.map((b) => Buffer.from(b).toString('latin1'))).toEqual(['ab\xffc', 'x+y']);
    expect(q.right.get('flag')?.[0]?.length).toBe(0);
  });

  it('refuses malformed escapes and floods of parameters', () => {
    expect(E.isLeft(parseRawQuery('/a?x=%g1'))).toBe(true);
    expect(E.isLeft(parseRawQuery('/a?x=%1'))).toBe(true);
    expect(E.isLeft(parseRawQuery('/a?x=\u0100'))).toBe(true);
    expect(E.isLeft(parseRawQuery('/a?x=%zz'))).toBe(true);
    expect(E.isLeft(parseRawQuery(`/a?${'a=1&'.repeat(300)}`))).toBe(true);
  });

  it('never throws on arbitrary targets', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      parseRawQuery(`/announce?${s}`);
    }));
  });
});
