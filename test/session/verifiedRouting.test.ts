import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VERIFIED_BATCH_MS } from '../../src/session/verifiedBatches.js';
import { VerifiedRouting } from '../../src/session/verifiedRouting.js';
import type { Culprit } from '../../src/trust/smartBan.js';

interface Peer {
  readonly name: string;
}

/** A routing over a torrent of `pieceCount` pieces, recording what each target heard, in order. */
const route = (pieceCount: number) => {
  const heard: string[] = [];
  const peers: Peer[] = [{ name: 'a' }];
  let verified = 0;
  const routing = new VerifiedRouting<Peer>({
    connected: () => peers,
    toTorrent: (indices, culprits) => heard.push(`torrent ${indices.join(',')}${culprits.length > 0 ? ` ban ${culprits.map((c) => c.ip).join(',')}` : ''}`),
    toPeer: (p, indices) => heard.push(`${p.name} ${indices.join(',')}`),
    complete: () => verified === pieceCount,
  });
  const verify = (index: number, culprits: readonly Culprit[] = []): void => {
    verified++;
    routing.verified(index, culprits);
  };
  return { heard, peers, routing, verify };
};

describe('VerifiedRouting', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('the torrent machine and each connected peer hear of an interval’s pieces in one batch, the verdicts with the torrent’s', () => {
    const r = route(10);
    r.verify(3, [{ ip: '10.0.0.9', reason: 'differs' }]);
    r.peers.push({ name: 'b' }); // connected after piece 3: its bitfield had it
    r.verify(1);
    expect(r.heard).toEqual([]);
    vi.advanceTimersByTime(VERIFIED_BATCH_MS);
    expect(r.heard).toEqual(['torrent 3,1 ban 10.0.0.9', 'a 3,1', 'b 1']);
    r.verify(2);
    vi.advanceTimersByTime(VERIFIED_BATCH_MS);
    expect(r.heard.slice(3)).toEqual(['torrent 2', 'a 2', 'b 2']); // verdicts went with their batch only
  });

  it('the batch completing the torrent goes at once', () => {
    const r = route(2);
    r.verify(0);
    r.verify(1);
    expect(r.heard).toEqual(['torrent 0,1', 'a 0,1']); // no timer needed
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a loss is told only after the pending batches (none holding the piece can overtake it)', () => {
    const r = route(10);
    r.verify(4);
    r.routing.beforeLoss();
    r.heard.push('loss 4');
    vi.advanceTimersByTime(VERIFIED_BATCH_MS);
    expect(r.heard).toEqual(['torrent 4', 'a 4', 'loss 4']);
  });
});
