import type { Endpoint } from '../dht/compactInfo.js';
import type { DhtLookupOutput } from '../../machines/dhtLookup.machine.js';
import type { LookupProgress } from '../session/dhtNode.js';

/**
 * One hop of a lookup: the nodes we heard of from the previous hop's answers (round 1: from our
 * own table), how near they are to the target as a shared bit-prefix length (160 = the target
 * itself; every extra bit halves the distance), and what their answers brought.
 */
export interface LookupRound {
  readonly round: number;
  readonly asked: number;
  /** Shared prefix bits of the nodes asked, nearest and farthest. */
  readonly nearestBits: number;
  readonly farthestBits: number;
  readonly answered: number;
  readonly failed: number;
  /** New nodes their answers named. */
  readonly learned: number;
  /** Peers their answers carried (first seen). */
  readonly peers: number;
  /** Nearest answering node so far, in shared prefix bits: how the lookup closes in. */
  readonly closestSoFarBits: number | null;
}

/** Groups a lookup's steps into rounds. */
export function lookupRounds(steps: readonly LookupProgress[]): { rounds: LookupRound[]; peers: Endpoint[]; done: DhtLookupOutput | undefined } {
  const byRound = new Map<number, { asked: number[]; answered: number[]; failed: number; learned: number; peers: number }>();
  const at = (r: number) => {
    let x = byRound.get(r);
    if (x === undefined) byRound.set(r, (x = { asked: [], answered: [], failed: 0, learned: 0, peers: 0 }));
    return x;
  };
  const peers: Endpoint[] = [];
  let lastAnsweredRound = 1;
  let done: DhtLookupOutput | undefined;
  for (const s of steps) {
    if (s.type === 'query') at(s.round).asked.push(s.node.prefixBits);
    else if (s.type === 'answered') {
      at(s.round).answered.push(s.node.prefixBits);
      at(s.round).learned += s.learned;
      lastAnsweredRound = s.round;
    } else if (s.type === 'failed') at(s.node.round).failed++;
    else if (s.type === 'peers') {
      at(lastAnsweredRound).peers += s.peers.length;
      peers.push(...s.peers);
    } else if (s.type === 'done') done = s.output;
  }
  let best: number | null = null;
  const rounds = [...byRound.entries()].sort((a, b) => a[0] - b[0]).map(([round, x]) => {
    for (const b of x.answered) best = best === null ? b : Math.max(best, b);
    return {
      round,
      asked: x.asked.length,
      nearestBits: x.asked.length === 0 ? 0 : Math.max(...x.asked),
      farthestBits: x.asked.length === 0 ? 0 : Math.min(...x.asked),
      answered: x.answered.length,
      failed: x.failed,
      learned: x.learned,
      peers: x.peers,
      closestSoFarBits: best,
    };
  });
  return { rounds, peers, done };
}

/** `round 2: asked 3 nodes (distance 9..14 bits shared), 3 answered, 0 failed; 12 new nodes; closest so far 14 bits; 1 peer` */
export function roundLine(r: LookupRound): string {
  const bits = r.nearestBits === r.farthestBits ? `${r.nearestBits}` : `${r.farthestBits}..${r.nearestBits}`;
  return `round ${r.round}: asked ${r.asked} node${r.asked === 1 ? '' : 's'} (${bits} bits shared with the target), ${r.answered} answered, ${r.failed} failed; ${r.learned} new node${r.learned === 1 ? '' : 's'}; closest so far ${r.closestSoFarBits === null ? '-' : `${r.closestSoFarBits} bits`}; ${r.peers} peer${r.peers === 1 ? '' : 's'}`;
}
