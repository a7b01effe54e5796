import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BlockRef } from '../../src/wire/messages.js';
import { MAX_RUN_BYTES, takeRun } from '../../streams/uploadFlow.js';

const B = 16384;

describe('takeRun (one read for consecutive queued requests)', () => {
  it('takes the requests continuing the first one in the same piece, and only those', () => {
    const q: BlockRef[] = [
      { index: 3, begin: 0, length: B },
      { index: 3, begin: B, length: B },
      { index: 3, begin: 2 * B, length: 100 },
      { index: 3, begin: 5 * B, length: B }, // a gap: next run
      { index: 4, begin: 0, length: B },
    ];
    expect(takeRun(q)).toEqual([{ index: 3, begin: 0, length: B }, { index: 3, begin: B, length: B }, { index: 3, begin: 2 * B, length: 100 }]);
    expect(takeRun(q)).toEqual([{ index: 3, begin: 5 * B, length: B }]);
    expect(takeRun(q)).toEqual([{ index: 4, begin: 0, length: B }]);
    expect(takeRun(q)).toBeUndefined();
  });

  it('property: runs are contiguous, within one piece and the byte cap, and give back the queue in order', () => {
    const req = fc.record({ index: fc.integer({ min: 0, max: 2 }), begin: fc.integer({ min: 0, max: 80 }).map((k) => k * B), length: fc.constantFrom(B, B, B, 1000) });
    fc.assert(
      fc.property(fc.array(req, { maxLength: 200 }), (reqs) => {
        const q = [...reqs];
        const out: BlockRef[] = [];
        for (let run = takeRun(q); run !== undefined; run = takeRun(q)) {
          let bytes = 0;
          run.forEach((r, k) => {
            bytes += r.length;
            if (k > 0) {
              expect(r.index).toBe(run[0]!.index);
              expect(r.begin).toBe(run[k - 1]!.begin + run[k - 1]!.length);
            }
          });
          expect(run.length === 1 || bytes <= MAX_RUN_BYTES).toBe(true);
          out.push(...run);
        }
        expect(out).toEqual(reqs);
      }),
    );
  });
});
