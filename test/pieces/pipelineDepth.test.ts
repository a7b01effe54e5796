import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BLOCK_SIZE, MAX_PIPELINE_DEPTH, MAX_REFILL_BATCH, MIN_PIPELINE_DEPTH, pipelineDepth, refillThreshold } from '../../src/pieces/index.js';

describe('pipelineDepth', () => {
  it('starts at the minimum for an unknown or idle peer', () => {
    expect(pipelineDepth(0)).toBe(MIN_PIPELINE_DEPTH);
    expect(pipelineDepth(Number.NaN)).toBe(MIN_PIPELINE_DEPTH);
    expect(pipelineDepth(-5, -1)).toBe(MIN_PIPELINE_DEPTH);
  });

  it('holds about 1.5 s of data at the measured rate', () => {
    expect(pipelineDepth(100 * BLOCK_SIZE)).toBe(150);
  });

  it('covers two round trips on a slow link', () => {
    expect(pipelineDepth(50 * BLOCK_SIZE, 2)).toBe(200);
  });

  it('is monotonic in rate and always within bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e10, noNaN: true }), fc.double({ min: 0, max: 1e10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), (a, b, rtt) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const dLo = pipelineDepth(lo, rtt);
        const dHi = pipelineDepth(hi, rtt);
        expect(dLo).toBeLessThanOrEqual(dHi);
        expect(dLo).toBeGreaterThanOrEqual(MIN_PIPELINE_DEPTH);
        expect(dHi).toBeLessThanOrEqual(MAX_PIPELINE_DEPTH);
        expect(Number.isInteger(dHi)).toBe(true);
      }),
    );
  });

  it('refills shallow pipes at every block and deep ones in batches that leave three quarters in flight', () => {
    expect(refillThreshold(MIN_PIPELINE_DEPTH)).toBe(2);
    expect(refillThreshold(1)).toBe(1);
    expect(refillThreshold(MAX_PIPELINE_DEPTH)).toBe(MAX_REFILL_BATCH);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_PIPELINE_DEPTH }), (depth) => {
        const t = refillThreshold(depth);
        expect(t).toBeGreaterThanOrEqual(1);
        expect(t).toBeLessThanOrEqual(Math.max(1, depth / 4));
      }),
    );
  });
});
