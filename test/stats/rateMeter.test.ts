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
  it('a young meter divides by the time since its first byte, not by the whole window', () => {
    // the bug users saw: 93 MiB in the first 0.9 s displayed as 23.5 MiB/s
    const MiB = 1024 * 1024;
    const m = new RateMeter(5);
    const t0 = 1_700_000_000_300; // an epoch-like start in the middle of a second
    for (let i = 0; i < 93; i++) m.add(MiB, t0 + i * 10); // 93 MiB over 0.92 s
    const r = m.rate(t0 + 930);
    expect(r / MiB).toBeGreaterThanOrEqual(93); // at least the bytes of that first second
    expect(r / MiB).toBeLessThan(105);
  });
  it('keeps the true rate across second boundaries while the window fills', () => {
    const m = new RateMeter(5);
    for (let t = 500; t <= 3_500; t += 10) m.add(10_000, t); // 1 MB/s from t = 0.5 s
    const r = m.rate(3_500);
    expect(r).toBeGreaterThan(0.97e6);
    expect(r).toBeLessThan(1.03e6);
  });
  it('shows no absurd rate right after the first block', () => {
    const m = new RateMeter(5);
    m.add(16_384, 1_000);
    expect(m.rate(1_000)).toBeLessThanOrEqual(16_384 / (RateMeter.MIN_SPAN_MS / 1000));
    expect(new RateMeter(5).rate(5_000)).toBe(0);
  });
  it('once the window is full, rate is the window\'s bytes over the window\'s time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 999 }), (kbPerTick, phase) => {
        const m = new RateMeter(5);
        const start = 10_000 + phase;
        for (let t = start; t < start + 20_000; t += 100) m.add(kbPerTick * 1000, t);
        const r = m.rate(start + 20_000);
        expect(r).toBeGreaterThan(kbPerTick * 10_000 * 0.95);
        expect(r).toBeLessThan(kbPerTick * 10_000 * 1.05);
      }),
    );
  });
});
