import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { slabBytes } from '../../src/wire/frameSlab.js';
import { encodeMessage, decodeMessage } from '../../src/wire/index.js';
import * as E from 'fp-ts/lib/Either.js';

describe('slabBytes', () => {
  it('property: views handed out never overlap, across slab boundaries too', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const views = sizes.map((n, k) => slabBytes(n).fill(k & 0xff));
        views.forEach((v, k) => {
          expect(v.length).toBe(sizes[k]);
          expect(v.every((b) => b === (k & 0xff))).toBe(true);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('thousands of encoded requests kept alive at once all still decode to what was sent', () => {
    const sent = Array.from({ length: 10_000 }, (_, i) => ({ type: 'request' as const, index: i, begin: (i % 16) * 16_384, length: 16_384 }));
    const frames = sent.map((m) => encodeMessage(m));
    frames.forEach((f, i) => {
      const decoded = decodeMessage(f.subarray(4));
      expect(E.isRight(decoded) && decoded.right).toEqual(sent[i]);
    });
  });
});
