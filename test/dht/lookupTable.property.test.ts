import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCandidates, closestAnswered, inFlight, markAnswered, markAsked, markFailed, MAX_CANDIDATES, newLookupTable, nextToAsk } from '../../src/dht/lookupTable.js';
import { compareDistance } from '../../src/dht/nodeId.js';

const id = fc.uint8Array({ minLength: 20, maxLength: 20 });
const contact = fc.record({ id, ip: fc.constant('10.0.0.1'), port: fc.integer({ min: 1, max: 65535 }) });

describe('lookup shortlist', () => {
  it('stays sorted by distance, bounded, free of duplicates, with at most α in flight, whatever nodes answer', () => {
    fc.assert(
      fc.property(id, fc.array(contact, { maxLength: 10 }), fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.array(contact, { maxLength: 12 })), { maxLength: 40 }), (target, seeds, steps) => {
        let t = newLookupTable(target, seeds);
        for (const [pick, ok, named] of steps) {
          const next = nextToAsk(t, 3, 8, 200);
          t = markAsked(t, next);
          expect(inFlight(t)).toBeLessThanOrEqual(3);
          const asked = t.candidates.filter((c) => c.status === 'asked');
          if (asked.length === 0) continue;
          const c = asked[pick % asked.length]!;
          t = ok ? markAnswered(t, c.key, named, undefined) : markFailed(t, c.key);
          const cs = t.candidates;
          for (let i = 1; i < cs.length; i++) expect(compareDistance(target, cs[i - 1]!.id, cs[i]!.id)).toBeLessThanOrEqual(0);
          expect(new Set(cs.map((x) => x.key)).size).toBe(cs.length);
          expect(new Set(cs.map((x) => `${x.ip}:${x.port}`)).size).toBe(cs.length);
          expect(cs.filter((x) => x.status === 'new').length).toBeLessThanOrEqual(MAX_CANDIDATES);
        }
        if (closestAnswered(t, 8)) expect(nextToAsk(t, 3, 8, 200)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('never adds the excluded (own) id', () => {
    fc.assert(fc.property(id, id, (target, own) => {
      const t = addCandidates(newLookupTable(target, [], [own]), [{ id: own, ip: '10.0.0.1', port: 1 }], 2);
      expect(t.candidates).toEqual([]);
    }));
  });
});
