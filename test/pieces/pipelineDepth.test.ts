import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BLOCK_SIZE, MAX_PIPELINE_DEPTH, MIN_PIPELINE_DEPTH, pipelineDepth } from '../../src/pieces/index.js';

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
});
