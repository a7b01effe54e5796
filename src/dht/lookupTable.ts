/**
 * The shortlist of an iterative lookup (BEP 5 "get_peers"/"find_node", Kademlia §2.3): every
 * node heard of, sorted by XOR distance to the target, each new → asked → answered | failed.
 * Plain immutable data, so the lookup machine's context stays a value a student can print.
 * Bounded: at most {@link MAX_CANDIDATES} nodes kept (the farthest unasked ones go first) and
 * at most `maxQueries` queries per lookup, whatever hostile nodes answer.
 */
import type { Contact, Endpoint } from './compactInfo.js';
import { commonPrefixBits, compareDistance, idKey, type NodeId } from './nodeId.js';

/** Most nodes remembered by one lookup. */
export const MAX_CANDIDATES = 64;

/** Where a node stands in the lookup. */
export type CandidateStatus = 'new' | 'asked' | 'answered' | 'failed';

/** One node in the shortlist. */
export interface Candidate extends Contact {
  /** Hex of the node id: the key events use. */
  readonly key: string;
  readonly status: CandidateStatus;
  /** Hop at which we heard of it: 1 for the seeds, n + 1 for nodes named by a round-n answer. */
  readonly round: number;
  /** Leading bits its id shares with the target (bigger is closer). */
  readonly prefixBits: number;
  /** The announce token it gave with its get_peers answer (BEP 5). */
  readonly token?: Uint8Array;
}

/** The shortlist. */
export interface LookupTable {
  readonly target: NodeId;
  /** Ids never added (our own). */
  readonly exclude: readonly string[];
  /** Nearest first. */
  readonly candidates: readonly Candidate[];
  /** Queries sent so far. */
  readonly queries: number;
}

/** A fresh shortlist seeded with `seeds` (round 1). */
export function newLookupTable(target: NodeId, seeds: readonly Contact[], exclude: readonly NodeId[] = []): LookupTable {
  return addCandidates({ target, exclude: exclude.map(idKey), candidates: [], queries: 0 }, seeds, 1);
}

/** Adds nodes not yet known (by id or by endpoint), keeps the order and the bound. */
export function addCandidates(t: LookupTable, contacts: readonly Contact[], round: number): LookupTable {
  const keys = new Set(t.candidates.map((c) => c.key));
  const endpoints = new Set(t.candidates.map((c) => `${c.ip}:${c.port}`));
  const added: Candidate[] = [];
  for (const c of contacts) {
    const key = idKey(c.id);
    const ep = `${c.ip}:${c.port}`;
    if (keys.has(key) || endpoints.has(ep) || t.exclude.includes(key) || c.port === 0) continue;
    keys.add(key);
    endpoints.add(ep);
    added.push({ id: c.id, ip: c.ip, port: c.port, key, status: 'new', round, prefixBits: commonPrefixBits(c.id, t.target) });
  }
  if (added.length === 0) return t;
  const all = [...t.candidates, ...added].sort((a, b) => compareDistance(t.target, a.id, b.id));
  // Trim only unasked nodes: asked ones are still owed an answer or a timeout.
  let excess = all.length - MAX_CANDIDATES;
  const kept: Candidate[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const c = all[i]!;
    if (excess > 0 && c.status === 'new') {
      excess--;
      continue;
    }
    kept.push(c);
  }
  return { ...t, candidates: kept.reverse() };
}

const update = (t: LookupTable, key: string, f: (c: Candidate) => Candidate): LookupTable => ({
  ...t,
  candidates: t.candidates.map((c) => (c.key === key ? f(c) : c)),
});

/** Queries in flight. */
export const inFlight = (t: LookupTable): number => t.candidates.filter((c) => c.status === 'asked').length;

/**
 * The next nodes to ask so that at most `alpha` are in flight: the nearest unasked ones, and only
 * those that could still be among the `k` closest (a farther one cannot improve the result).
 */
export function nextToAsk(t: LookupTable, alpha: number, k: number, maxQueries: number): Candidate[] {
  const room = Math.min(alpha - inFlight(t), maxQueries - t.queries);
  if (room <= 0) return [];
  const out: Candidate[] = [];
  let live = 0;
  for (const c of t.candidates) {
    if (c.status === 'failed') continue;
    if (live++ >= k) break;
    if (c.status === 'new') out.push(c);
    if (out.length >= room) break;
  }
  return out;
}

/** Marks `nodes` as asked. */
export function markAsked(t: LookupTable, nodes: readonly Candidate[]): LookupTable {
  const keys = new Set(nodes.map((n) => n.key));
  return { ...t, queries: t.queries + keys.size, candidates: t.candidates.map((c) => (keys.has(c.key) ? { ...c, status: 'asked' } : c)) };
}

/** True when `key` is a query in flight (a late or unsolicited answer is not). */
export const isAsked = (t: LookupTable, key: string): boolean => t.candidates.some((c) => c.key === key && c.status === 'asked');

/** Records an answer: the node is answered (with its token) and the nodes it named join the list. */
export function markAnswered(t: LookupTable, key: string, nodes: readonly Contact[], token: Uint8Array | undefined): LookupTable {
  const asked = t.candidates.find((c) => c.key === key);
  const withAnswer = update(t, key, (c) => ({ ...c, status: 'answered', ...(token === undefined ? {} : { token }) }));
  return addCandidates(withAnswer, nodes, (asked?.round ?? 0) + 1);
}

/** Records a timeout or error answer. */
export const markFailed = (t: LookupTable, key: string): LookupTable => update(t, key, (c) => ({ ...c, status: 'failed' }));

/** The `k` nearest nodes that have not failed, nearest first. */
export const closestLive = (t: LookupTable, k: number): Candidate[] => t.candidates.filter((c) => c.status !== 'failed').slice(0, k);

/** BEP 5 stop rule, first half: the `k` closest live nodes have all answered. */
export function closestAnswered(t: LookupTable, k: number): boolean {
  const best = closestLive(t, k);
  return best.length > 0 && best.every((c) => c.status === 'answered');
}

/** BEP 5 stop rule, second half: nothing in flight and no node left that could be closer. */
export function nothingLeftToAsk(t: LookupTable, alpha: number, k: number, maxQueries: number): boolean {
  return inFlight(t) === 0 && nextToAsk(t, alpha, k, maxQueries).length === 0;
}

/** Closest answered nodes with a token: where announce_peer goes (BEP 5). */
export const announceTargets = (t: LookupTable, k: number): Candidate[] =>
  t.candidates.filter((c) => c.status === 'answered' && c.token !== undefined).slice(0, k);

/** Peers not seen yet, by `ip:port`. */
export function newPeers(seen: readonly string[], peers: readonly Endpoint[]): Endpoint[] {
  const s = new Set(seen);
  const out: Endpoint[] = [];
  for (const p of peers) {
    const key = `${p.ip}:${p.port}`;
    if (s.has(key)) continue;
    s.add(key);
    out.push(p);
  }
  return out;
}
