import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BLOCK_SIZE, Bitfield, PiecePicker, PieceState, type BlockRequest, type PeerView } from '../../src/pieces/index.js';
import { seededRandom } from './seededRandom.js';

/** A plain assertion: vitest's expect is too slow for a check on every simulation step. */
const check = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(`broken: ${what}`);
};

/** Totals over all simulated swarms, to prove the interesting paths actually ran. */
const seen = { cancels: 0, failures: 0, timeouts: 0, endgamePicks: 0, retractions: 0 };

const key = (r: { index: number; begin: number }): string => `${r.index}:${r.begin}`;

interface SimPeer extends PeerView {
  choked: boolean;
  /** A seed keeps every piece, so the download can always finish; others may retract one (BEP 54). */
  readonly keepsAll: boolean;
  readonly outstanding: Map<string, BlockRequest>;
}

/**
 * Drives a picker with a random swarm: peers with random bitfields join and leave, choke and
 * unchoke, answer requests in random order, let some time out, retract pieces (lt_donthave) and
 * some completed pieces fail their hash. Checks the books against a model at every step.
 */
const simulate = (seed: number, pieceLength: number, totalLength: number, peerCount: number, endgameMax: number): void => {
  const rnd = seededRandom(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const picker = new PiecePicker(pieceLength, totalLength, { random: seededRandom(seed ^ 0x5bd1e995), endgameMaxRequests: endgameMax });
  const g = picker.geometry;
  const n = g.pieceCount;
  const received = new Set<string>(); // blocks received of unverified pieces
  const connected: SimPeer[] = [];
  let nextId = 0;
  const failedOnce = new Set<number>();

  const join = (seedPeer: boolean): void => {
    const bitfield = new Bitfield(n);
    for (let i = 0; i < n; i++) if (seedPeer || rnd() < 0.5) bitfield.set(i);
    const p: SimPeer = { id: `p${nextId++}`, bitfield, choked: rnd() < 0.3, keepsAll: seedPeer, outstanding: new Map() };
    picker.availability.addPeer(bitfield);
    connected.push(p);
  };
  const release = (p: SimPeer): void => {
    check(picker.releasePeer(p.id) === p.outstanding.size, 'picker.releasePeer(p.id) === p.outstanding.size');
    p.outstanding.clear();
  };
  const applyCancels = (cancels: readonly { peerId: string; request: BlockRequest }[], block: string): void => {
    seen.cancels += cancels.length;
    for (const c of cancels) {
      check(key(c.request) === block, 'key(c.request) === block');
      const p = connected.find((q) => q.id === c.peerId)!;
      check(p.outstanding.delete(block), 'p.outstanding.delete(block) should be true');
    }
  };

  for (let i = 0; i < peerCount; i++) join(false);
  join(true); // someone has everything, or the download could never finish

  for (let step = 0; step < 20_000 && !picker.complete; step++) {
    const action = int(100);
    const p = connected.length > 0 ? connected[int(connected.length)]! : undefined;
    if (p === undefined || action < 2) {
      join(connected.length === 0 || rnd() < 0.2);
    } else if (action < 4) {
      release(p);
      picker.availability.removePeer(p.bitfield);
      connected.splice(connected.indexOf(p), 1);
    } else if (action < 8) {
      if (!p.choked) release(p);
      p.choked = !p.choked;
    } else if (action < 40) {
      if (p.choked) continue;
      const max = 1 + int(12);
      const endgame = picker.endgame;
      const reqs = picker.pick(p, max);
      if (endgame) seen.endgamePicks += reqs.length;
      check(reqs.length <= max, 'reqs.length <= max');
      for (const r of reqs) {
        check(!p.outstanding.has(key(r)), 'never requested twice from the same peer');
        check(p.bitfield.has(r.index), 'p.bitfield.has(r.index) should be true');
        check(g.isBlock(r.index, r.begin, r.length), 'g.isBlock(r.index, r.begin, r.length) should be true');
        check(!(picker.have.has(r.index)), 'picker.have.has(r.index) should be false');
        check(!(received.has(key(r))), 'received.has(key(r)) should be false');
        p.outstanding.set(key(r), r);
      }
      check(picker.outstanding(p.id) === p.outstanding.size, 'picker.outstanding(p.id) === p.outstanding.size');
    } else if (action < 90) {
      if (p.outstanding.size === 0) continue;
      const all = [...p.outstanding.values()];
      const r = all[int(all.length)]!;
      if (action < 85) {
        p.outstanding.delete(key(r));
        const receipt = picker.onBlockReceived(p.id, r.index, r.begin);
        check(!(receipt.invalid), 'receipt.invalid should be false');
        check(!(receipt.duplicate), 'receipt.duplicate should be false'); // outstanding requests are always for missing blocks
        received.add(key(r));
        applyCancels(receipt.cancels, key(r));
        if (receipt.pieceComplete) {
          const contributors = picker.contributors(r.index);
          check(contributors.includes(p.id), 'the completing peer is a contributor');
          if (!failedOnce.has(r.index) && rnd() < 0.3) {
            failedOnce.add(r.index);
            seen.failures++;
            const expected = contributors.join(',');
            check(picker.onPieceFailed(r.index).join(',') === expected, 'onPieceFailed returns the contributors');
            for (let b = 0; b < g.blockCount(r.index); b++) received.delete(`${r.index}:${b * BLOCK_SIZE}`);
            check(picker.blocks.state(r.index) === PieceState.Missing, 'picker.blocks.state(r.index) === PieceState.Missing');
          } else {
            check(picker.onPieceVerified(r.index).length === 0, 'no cancels on verify');
            for (let b = 0; b < g.blockCount(r.index); b++) received.delete(`${r.index}:${b * BLOCK_SIZE}`);
          }
        }
      } else {
        seen.timeouts++;
        check(picker.onRequestTimeout(p.id, r), 'picker.onRequestTimeout(p.id, r) should be true');
        p.outstanding.delete(key(r));
      }
    } else if (action < 92) {
      // BEP 54 lt_donthave: the peer no longer has a piece, often one we are asking it for
      if (p.keepsAll) continue;
      const asked = [...p.outstanding.values()];
      const i = asked.length > 0 && rnd() < 0.7 ? asked[int(asked.length)]!.index : int(n);
      if (!p.bitfield.has(i)) continue;
      p.bitfield.clear(i);
      picker.availability.removeHave(i);
      const mine = asked.filter((r) => r.index === i).map(key).sort();
      const released = picker.releasePiece(p.id, i).map(key).sort();
      check(released.join() === mine.join(), 'releasePiece returns exactly its requests for that piece');
      for (const k of mine) p.outstanding.delete(k);
      check(picker.outstanding(p.id) === p.outstanding.size, 'its other requests stay');
      if (mine.length > 0) seen.retractions++;
    } else {
      // A duplicate or stray block: a late copy of something already received is refused.
      const done = [...received];
      if (done.length === 0) continue;
      const [i, b] = done[int(done.length)]!.split(':').map(Number) as [number, number];
      const receipt = picker.onBlockReceived(p.id, i, b);
      check(receipt.duplicate, 'receipt.duplicate should be true');
    }
    // Global books: outstanding counts match the model; free/remaining agree with block states.
    const blocks = picker.blocks;
    let requestedSlots = 0;
    for (const q of connected) requestedSlots += q.outstanding.size;
    let counted = 0;
    for (const idx of blocks.partials) {
      const prog = blocks.progress(idx)!;
      for (const v of prog.blocks) if (v !== 255) counted += v;
    }
    check(counted === requestedSlots, 'counted === requestedSlots');
    for (let i = 0; i < n; i++) {
      check(picker.availability.isWanted(i) === (blocks.state(i) === PieceState.Missing), 'rarity index holds exactly the Missing pieces');
    }
  }
  check(picker.complete, 'picker.complete should be true');
  check(picker.blocks.remainingBlocks === 0, 'picker.blocks.remainingBlocks === 0');
  for (const q of connected) check(q.outstanding.size === 0, 'q.outstanding.size === 0');
};

describe('PiecePicker under a random swarm', () => {
  it('always finishes with every piece verified and never requests a block twice from one peer', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 3 * BLOCK_SIZE + 5 }).chain((pl) =>
          fc.tuple(fc.constant(pl), fc.integer({ min: 1, max: Math.min(12 * BLOCK_SIZE, 30 * pl) })),
        ),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        (seed, [pieceLength, totalLength], peers, endgameMax) => simulate(seed, pieceLength, totalLength, peers, endgameMax),
      ),
      { numRuns: 150 },
    );
    expect(seen.cancels).toBeGreaterThan(0);
    expect(seen.failures).toBeGreaterThan(0);
    expect(seen.timeouts).toBeGreaterThan(0);
    expect(seen.endgamePicks).toBeGreaterThan(0);
    expect(seen.retractions).toBeGreaterThan(0);
  });
});

describe('PiecePicker policy', () => {
  const fullPeer = (id: string, n: number): PeerView => ({ id, bitfield: Bitfield.full(n) });

  it('picks a minimum-availability piece once the random-first phase is over', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), { maxLength: 6 }), fc.integer({ min: 0, max: 3 }), (seed, fields, verified) => {
        const picker = new PiecePicker(BLOCK_SIZE, 16 * BLOCK_SIZE, { random: seededRandom(seed), randomFirstPieces: 2 });
        for (const bits of fields) {
          const f = new Bitfield(16);
          bits.forEach((b, i) => b && f.set(i));
          picker.availability.addPeer(f);
        }
        for (let i = 0; i < verified; i++) picker.onPieceVerified(i * 5);
        const reqs = picker.pick(fullPeer('a', 16), 1);
        expect(reqs).toHaveLength(1);
        const chosen = reqs[0]!.index;
        expect(picker.have.has(chosen)).toBe(false);
        if (verified >= 2) {
          const min = picker.availability.minWhere((i) => !picker.have.has(i));
          expect(picker.availability.of(chosen)).toBe(min);
        }
      }),
    );
  });

  it('breaks rarest ties at random, and starts with random pieces', () => {
    const chosenRarest = new Set<number>();
    const chosenFirst = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      // Pieces 0..3 are equally rare; 4..7 are common.
      const make = (randomFirstPieces: number): PiecePicker => {
        const p = new PiecePicker(BLOCK_SIZE, 8 * BLOCK_SIZE, { random: seededRandom(seed), randomFirstPieces });
        p.availability.addPeer(Bitfield.full(8));
        const common = new Bitfield(8);
        for (let i = 4; i < 8; i++) common.set(i);
        p.availability.addPeer(common);
        return p;
      };
      chosenRarest.add(make(0).pick(fullPeer('a', 8), 1)[0]!.index);
      chosenFirst.add(make(4).pick(fullPeer('a', 8), 1)[0]!.index);
    }
    expect([...chosenRarest].sort()).toEqual([0, 1, 2, 3]);
    expect([...chosenFirst].some((i) => i >= 4)).toBe(true);
    expect(chosenFirst.size).toBeGreaterThan(4);
  });

  it('finishes a partial piece this peer worked on before starting another', () => {
    const picker = new PiecePicker(4 * BLOCK_SIZE, 40 * BLOCK_SIZE, { randomFirstPieces: 0, random: seededRandom(1) });
    const a = fullPeer('a', 10);
    const first = picker.pick(a, 1);
    const next = picker.pick(a, 3);
    expect(next.map((r) => r.index)).toEqual([first[0]!.index, first[0]!.index, first[0]!.index]);
    // Another peer first helps with partial pieces before starting a fresh one.
    const b = fullPeer('b', 10);
    picker.onRequestTimeout('a', next[2]!);
    expect(picker.pick(b, 1)[0]).toEqual(next[2]);
  });

  it('enters endgame with bounded duplicates and cancels the losers', () => {
    const picker = new PiecePicker(2 * BLOCK_SIZE, 2 * BLOCK_SIZE + 100, { endgameMaxRequests: 2 });
    const [a, b, c] = [fullPeer('a', 2), fullPeer('b', 2), fullPeer('c', 2)];
    expect(picker.pick(a, 10)).toHaveLength(3);
    expect(picker.endgame).toBe(true);
    const dup = picker.pick(b, 10);
    expect(dup).toHaveLength(3);
    expect(picker.pick(c, 10)).toHaveLength(0); // every block already has 2 requests
    expect(picker.pick(a, 10)).toHaveLength(0); // nothing new for a
    const r = dup[1]!;
    const receipt = picker.onBlockReceived('b', r.index, r.begin);
    expect(receipt.cancels).toEqual([{ peerId: 'a', request: r }]);
    expect(picker.outstanding('a')).toBe(2);
    expect(picker.onBlockReceived('a', r.index, r.begin).duplicate).toBe(true);
    // The last piece's last block is shorter (BEP 3).
    expect(dup.find((q) => q.index === 1)?.length).toBe(100);
  });

  it('rejects blocks at impossible addresses', () => {
    const picker = new PiecePicker(BLOCK_SIZE * 2, BLOCK_SIZE * 3);
    expect(picker.onBlockReceived('x', 5, 0).invalid).toBe(true);
    expect(picker.onBlockReceived('x', 1, BLOCK_SIZE).invalid).toBe(true);
    expect(picker.onBlockReceived('x', 0, 100).invalid).toBe(true);
    expect(picker.onBlockReceived('x', 0, BLOCK_SIZE).invalid).toBe(false);
  });

  it('names the only contributor of a bad piece, and all contributors of a shared one', () => {
    const picker = new PiecePicker(2 * BLOCK_SIZE, 4 * BLOCK_SIZE);
    const reqA = picker.pick(fullPeer('a', 2), 2);
    for (const r of reqA) picker.onBlockReceived('a', r.index, r.begin);
    expect(picker.onPieceFailed(reqA[0]!.index)).toEqual(['a']);
    const r1 = picker.pick(fullPeer('b', 2), 1)[0]!;
    const r2 = picker.pick(fullPeer('c', 2), 1)[0]!;
    picker.onBlockReceived('b', r1.index, r1.begin);
    const done = picker.onBlockReceived('c', r2.index, r2.begin);
    expect(r1.index).toBe(r2.index);
    expect(done.pieceComplete).toBe(true);
    expect([...picker.contributors(r1.index)].sort()).toEqual(['b', 'c']);
  });

  it('a lost verified piece is missing again: picked, received and verified anew, the books back to the start', () => {
    const picker = new PiecePicker(BLOCK_SIZE, 3 * BLOCK_SIZE + 100);
    picker.setHave(Bitfield.full(4));
    expect(picker.complete).toBe(true);
    expect(picker.pick(fullPeer('a', 4), 10)).toEqual([]);
    expect(picker.onPieceLost(3)).toBe(true);
    expect(picker.onPieceLost(3)).toBe(false); // once
    expect(picker.complete).toBe(false);
    expect(picker.have.has(3)).toBe(false);
    expect(picker.blocks.state(3)).toBe(PieceState.Missing);
    expect(picker.blocks.remainingBlocks).toBe(1);
    expect(picker.availability.isWanted(3)).toBe(true);
    const reqs = picker.pick(fullPeer('a', 4), 10);
    expect(reqs).toEqual([{ index: 3, begin: 0, length: 100 }]);
    expect(picker.onBlockReceived('a', 3, 0).pieceComplete).toBe(true);
    picker.onPieceVerified(3);
    expect(picker.complete).toBe(true);
    expect(picker.blocks.remainingBlocks).toBe(0);
    expect(picker.blocks.freeBlocks).toBe(0);
  });

  it('a piece that is not verified cannot be lost', () => {
    const picker = new PiecePicker(BLOCK_SIZE, 2 * BLOCK_SIZE);
    expect(picker.onPieceLost(0)).toBe(false);
    picker.pick(fullPeer('a', 2), 1);
    expect(picker.onPieceLost(0)).toBe(false);
    expect(picker.blocks.remainingBlocks).toBe(2);
    expect(picker.onPieceLost(7)).toBe(false);
  });

  it('setHave marks resumed pieces and never requests them', () => {
    const picker = new PiecePicker(BLOCK_SIZE, 5 * BLOCK_SIZE);
    const have = new Bitfield(5);
    [0, 2, 4].forEach((i) => have.set(i));
    picker.setHave(have);
    const reqs = picker.pick(fullPeer('a', 5), 10);
    expect(reqs.map((r) => r.index).sort()).toEqual([1, 3]);
  });
});
