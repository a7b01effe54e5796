import { afterEach, describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/pieceGeometry.js';
import { dataPlane, type FakePeer } from './dataPlaneHarness.js';

type Plane = Awaited<ReturnType<typeof dataPlane>>;
let plane: Plane | undefined;
afterEach(async () => {
  await plane?.close();
  plane = undefined;
});

const HONEST_A = '127.0.0.2';
const LIAR = '127.0.0.3';
const HONEST_B = '127.0.0.4';
/** The liar damages every odd block of whatever it serves. */
const oddBlocks = (_index: number, begin: number): boolean => (begin / BLOCK_SIZE) % 2 === 1;

/** Answers requests until every piece is verified, waiting on piece outcomes (not time) while hashes run. */
async function runToCompletion(p: Plane, peers: readonly FakePeer[]): Promise<void> {
  while (p.verified.length < p.metainfo.pieceCount) {
    if (peers.some((x) => x.outstanding().length > 0)) {
      for (const x of peers) x.deliverAll();
      continue;
    }
    await p.outcomeCount(p.outcomes.length + 1);
  }
}

describe('smart ban in the download flow (scripted peers, real storage)', () => {
  it('a piece mixed from an honest peer and a liar: refetched from a third peer, then only the liar is named', async () => {
    plane = await dataPlane({ length: 4 * 262_144, pieceLength: 262_144 }); // 4 pieces of 16 blocks
    const a = plane.addPeer('a', undefined, { ip: HONEST_A });
    const liar = plane.addPeer('liar', undefined, { ip: LIAR, corrupt: oddBlocks });
    const b = plane.addPeer('b', undefined, { ip: HONEST_B });
    plane.unchokeUs(a); // first 8 blocks of a piece X
    plane.unchokeUs(liar); // the other 8 blocks of X: partial pieces are finished before new ones
    plane.unchokeUs(b);
    const x = a.outstanding()[0]!.index;
    expect(liar.outstanding().every((r) => r.index === x)).toBe(true);
    // X completes from two IPs and fails; nobody can be blamed yet
    a.deliverAll();
    liar.deliverAll();
    await plane.outcomeCount(1);
    expect(plane.outcomes[0]).toEqual({ index: x, passed: false, culprits: [] });
    const asked = (p: FakePeer): number => p.sent.filter((m) => m.type === 'request' && m.index === x).length;
    const before = { a: asked(a), liar: asked(liar) };
    // the liar stops being asked for anything once it is named (as the machine would close it)
    const named = (): boolean => plane!.outcomes.some((o) => o.culprits.some((c) => c.ip === LIAR));
    const peers = [a, liar, b];
    while (plane.verified.length < plane.metainfo.pieceCount) {
      if (named() && liar.record.gate.mayRequest) plane.chokeUs(liar);
      if (peers.some((p) => p.outstanding().length > 0)) {
        for (const p of peers) p.deliverAll();
        continue;
      }
      await plane.outcomeCount(plane.outcomes.length + 1);
    }
    // X was fetched again from the peer that had no part in the failed copy
    expect({ a: asked(a), liar: asked(liar) }).toEqual(before);
    expect(asked(b)).toBe(16);
    const passedX = plane.outcomes.find((o) => o.index === x && o.passed)!;
    expect(passedX.culprits).toEqual([{ ip: LIAR, reason: `sent 4 blocks of piece ${x} that differ from the copy that passed its hash check` }]);
    // nobody honest is ever named, whatever else happened
    const everyone = plane.outcomes.flatMap((o) => o.culprits.map((c) => c.ip));
    expect(everyone.filter((ip) => ip !== LIAR)).toEqual([]);
    expect(plane.misbehaved).toEqual([]);
  });

  it('a piece sent whole by one liar names it at once', async () => {
    plane = await dataPlane({ length: 2 * 262_144, pieceLength: 262_144 });
    const liar = plane.addPeer('liar', undefined, { ip: LIAR, corrupt: oddBlocks });
    const b = plane.addPeer('b', undefined, { ip: HONEST_B });
    plane.unchokeUs(liar);
    for (let i = 0; i < 4 && plane.outcomes.length === 0; i++) {
      plane.clock.t += 100;
      liar.deliverAll();
      if (plane.outcomes.length === 0 && liar.outstanding().length === 0) await plane.outcomeCount(1);
    }
    const first = plane.outcomes[0]!;
    expect(first.passed).toBe(false);
    expect(first.culprits).toEqual([{ ip: LIAR, reason: `sent every block of piece ${first.index}, which failed its hash check` }]);
    plane.chokeUs(liar);
    plane.unchokeUs(b);
    await runToCompletion(plane, [b]);
    expect(plane.outcomes.filter((o) => o.passed).every((o) => o.culprits.length === 0)).toBe(true);
  });
});
