import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VERIFIED_BATCH_MS, VerifiedBatches } from '../../src/session/verifiedBatches.js';

describe('VerifiedBatches', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const collect = () => {
    const got: [string, number[]][] = [];
    const batches = new VerifiedBatches<string>((peer, indices) => got.push([peer, [...indices]]));
    return { got, batches };
  };

  it('hands each peer the pieces verified within one interval as one batch, in order, no sooner', () => {
    const { got, batches } = collect();
    for (const i of [4, 1, 7]) for (const peer of ['a', 'b']) batches.add(peer, i);
    vi.advanceTimersByTime(VERIFIED_BATCH_MS - 1);
    expect(got).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(got).toEqual([['a', [4, 1, 7]], ['b', [4, 1, 7]]]);
    batches.add('a', 9);
    vi.advanceTimersByTime(VERIFIED_BATCH_MS);
    expect(got.slice(2)).toEqual([['a', [9]]]);
  });

  it('flush delivers at once, and the interval then starts again with the next piece', () => {
    const { got, batches } = collect();
    batches.add('a', 1);
    batches.flush();
    expect(got).toEqual([['a', [1]]]);
    vi.advanceTimersByTime(10 * VERIFIED_BATCH_MS);
    expect(got).toHaveLength(1); // the cancelled timer delivers nothing twice
    batches.add('a', 2);
    vi.advanceTimersByTime(VERIFIED_BATCH_MS);
    expect(got).toEqual([['a', [1]], ['a', [2]]]);
  });

  it('keeps one timer while batches wait, and none once they are delivered', () => {
    const { batches } = collect();
    expect(vi.getTimerCount()).toBe(0);
    batches.add('a', 1);
    batches.add('b', 1);
    expect(vi.getTimerCount()).toBe(1); // one timer per interval, not per piece or peer
    batches.flush();
    expect(vi.getTimerCount()).toBe(0);
  });
});
