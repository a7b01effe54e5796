import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../fuzz/runFuzz.js';
import { fuzzTargets } from '../../fuzz/targets.js';

/** The CI share of `npm run fuzz`: 2,000 inputs per decoder instead of 100,000. */
describe('every decoder of untrusted bytes answers generated input with a value or a typed error', () => {
  it('covers the decoders issue 10 names', () => {
    expect(fuzzTargets.map((t) => t.name)).toEqual(
      expect.arrayContaining(['bencode', 'metainfo', 'tracker HTTP reply', 'tracker UDP packet', 'wire frames']),
    );
  });
  it.each(fuzzTargets.map((t) => [t.name, t] as const))('%s', (_name, target) => {
    const report = runFuzz(target, 2000);
    expect(report.runs).toBe(2000);
  });
});
