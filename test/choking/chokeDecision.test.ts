import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chokeChanges, pickOptimistic, selectUnchoked, type ChokeCandidate } from '../../src/choking/chokeDecision.js';

const peer = (id: string, rate: number, over: Partial<ChokeCandidate> = {}): ChokeCandidate => ({
  id,
  interested: true,
  rate,
  snubbed: false,
  connectedAt: 0,
  ...over,
});

describe('selectUnchoked', () => {
  it('keeps the fastest interested peers in the regular slots', () => {
    const peers = [peer('a', 10), peer('b', 50), peer('c', 30), peer('d', 40), peer('e', 20), peer('f', 1000, { interested: false })];
    expect(selectUnchoked(peers, undefined)).toEqual(['b', 'd', 'c', 'e']);
  });
  it('adds the optimistic peer on top of the regular slots', () => {
    const peers = [peer('a', 10), peer('b', 50), peer('c', 30), peer('d', 40), peer('e', 20)];
    expect(selectUnchoked(peers, 'a')).toEqual(['b', 'd', 'c', 'e', 'a']);
  });
  it('keeps peers already unchoked when rates tie (no churn at start)', () => {
    const peers = ['a', 'b', 'c', 'd', 'e'].map((id) => peer(id, 0));
    expect(selectUnchoked(peers, undefined, undefined, new Set(['e', 'd', 'c', 'b']))).toEqual(['b', 'c', 'd', 'e']);
    expect(selectUnchoked(peers, undefined)).toEqual(['a', 'b', 'c', 'd']);
  });
  it('drops snubbing peers from regular slots (anti-snubbing)', () => {
    const peers = [peer('a', 100, { snubbed: true }), peer('b', 5)];
    expect(selectUnchoked(peers, undefined)).toEqual(['b']);
  });
  it('never unchokes more than slots + 1 and only interested peers', () => {
    const arb = fc.array(fc.record({ id: fc.string({ minLength: 1, maxLength: 3 }), interested: fc.boolean(), rate: fc.nat(), snubbed: fc.boolean(), connectedAt: fc.nat() }), { maxLength: 30 });
    fc.assert(
      fc.property(arb, fc.nat(), (raw, seed) => {
        const peers = [...new Map(raw.map((p) => [p.id, p])).values()];
        const opt = pickOptimistic(peers, undefined, 0, () => (seed % 1000) / 1000);
        const out = selectUnchoked(peers, opt);
        expect(out.length).toBeLessThanOrEqual(5);
        expect(new Set(out).size).toBe(out.length);
        for (const id of out) expect(peers.find((p) => p.id === id)?.interested).toBe(true);
      }),
    );
  });
});

describe('pickOptimistic', () => {
  it('only draws among interested peers left choked by the regular slots', () => {
    const peers = [peer('a', 50), peer('b', 40), peer('c', 30), peer('d', 20), peer('e', 10), peer('f', 5, { interested: false })];
    for (let r = 0; r < 1; r += 0.05) expect(pickOptimistic(peers, undefined, 0, () => r)).toBe('e');
  });
  it('weighs new peers three times', () => {
    const peers = [1, 2, 3, 4].map((i) => peer(`p${i}`, 100 - i)).concat([peer('old', 0, { connectedAt: 0 }), peer('new', 0, { connectedAt: 100_000 })]);
    const now = 120_000;
    const hits = { old: 0, new: 0 };
    for (let i = 0; i < 400; i++) {
      const id = pickOptimistic(peers, undefined, now, () => i / 400);
      if (id === 'old' || id === 'new') hits[id]++;
    }
    expect(hits.new).toBe(300);
    expect(hits.old).toBe(100);
  });
  it('returns undefined when nobody is interested', () => {
    expect(pickOptimistic([peer('a', 1, { interested: false })], undefined, 0, Math.random)).toBeUndefined();
  });
});

describe('chokeChanges', () => {
  it('lists only the peers whose state changes', () => {
    expect(chokeChanges(new Set(['a', 'b']), ['b', 'c'])).toEqual({ unchoke: ['c'], choke: ['a'] });
  });
});
