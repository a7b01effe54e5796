import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RateMeter } from '../../src/stats/rateMeter.js';

describe('RateMeter', () => {
  it('measures a steady rate', () => {
    const m = new RateMeter(5);
    for (let t = 0; t < 10_000; t += 100) m.add(10_000, t); // 100 KB/s
    expect(m.rate(10_000)).toBeGreaterThan(90_000);
    expect(m.rate(10_000)).toBeLessThan(110_000);
  });
  it('decays to zero once traffic stops', () => {
    const m = new RateMeter(5);
    m.add(1_000_000, 0);
    expect(m.rate(500)).toBeGreaterThan(0);
    expect(m.rate(6_000)).toBe(0);
    expect(m.total).toBe(1_000_000);
  });
  it('never goes negative and total is exact', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(100_000), fc.nat(3_000)), { maxLength: 100 }), (steps) => {
        const m = new RateMeter(4);
        let t = 0;
        let total = 0;
        for (const [bytes, dt] of steps) {
          t += dt;
          m.add(bytes, t);
          total += bytes;
          expect(m.rate(t)).toBeGreaterThanOrEqual(0);
        }
        expect(m.total).toBe(total);
      }),
    );
  });
});
