/**
 * The routing table of BEP 5 ("Routing Table"): k-buckets covering the 160-bit id space. It
 * starts as one bucket; only the bucket holding our own id ever splits, so the table is a list
 * where bucket i (i < last) holds nodes sharing exactly i leading bits with us and the last
 * bucket holds everyone sharing at least `last` bits. Near ids are known in detail, far ones
 * coarsely: a lookup gets about one bit closer per hop.
 *
 * Plain data with hard bounds (k per bucket, at most 160 buckets, a small replacement cache per
 * bucket); time is passed in (`now`, ms), never read.
 */
import { commonPrefixBits, compareDistance, ID_BITS, idKey, type NodeId } from './nodeId.js';
import type { Contact } from './compactInfo.js';

/** Nodes per bucket (BEP 5: K = 8). */
export const K = 8;
/** BEP 5: a node is good while it answered us (or queried us after answering) in the last 15 minutes. */
export const GOOD_FOR_MS = 15 * 60 * 1000;
/** Unanswered queries in a row after which a node is bad (BEP 5: "multiple queries in a row"). */
export const MAX_FAILURES = 2;
/** Replacement candidates kept per bucket. */
export const REPLACEMENTS_PER_BUCKET = 8;

/** BEP 5 node status. */
export type NodeStatus = 'good' | 'questionable' | 'bad';

/** One node in a bucket. */
export interface TableNode extends Contact {
  /** Last time it answered one of our queries (ms), or undefined if it never has. */
  readonly lastResponse: number | undefined;
  /** Last time it sent us a query (ms). */
  readonly lastQuery: number | undefined;
  /** Queries in a row it did not answer. */
  readonly failures: number;
}

/** How a node contacted us: it answered our query, or queried us. */
export type Contacted = 'response' | 'query';

/** What {@link RoutingTable.observe} did. */
export type ObserveResult =
  | { readonly kind: 'added' | 'updated' | 'replaced' }
  /** The bucket is full of good nodes: the new node was dropped. */
  | { readonly kind: 'full' }
  /**
   * The bucket is full but some nodes are questionable: ping these (least recently seen first);
   * the new node waits in the replacement cache and takes the place of one that fails.
   */
  | { readonly kind: 'ping'; readonly questionable: readonly Contact[] }
  /** Our own id or a bad address: never stored. */
  | { readonly kind: 'ignored' };

/** A bucket as shown to users and tests. */
export interface BucketView {
  /** Leading bits shared with our id by every node in it (the last bucket: at least this many). */
  readonly prefixBits: number;
  /** True for the last bucket, which holds our own id and is the only one that may split. */
  readonly holdsOurId: boolean;
  readonly nodes: readonly (TableNode & { readonly status: NodeStatus })[];
  readonly replacements: number;
  /** Last time a node in it was added or answered (ms). */
  readonly lastChanged: number;
}

interface Bucket {
  nodes: TableNode[];
  replacements: TableNode[];
  lastChanged: number;
}

/** Status of a node at `now` under the BEP 5 rules. */
export function nodeStatus(n: TableNode, now: number): NodeStatus {
  if (n.failures >= MAX_FAILURES) return 'bad';
  if (n.lastResponse === undefined) return 'questionable';
  if (now - n.lastResponse <= GOOD_FOR_MS) return 'good';
  if (n.lastQuery !== undefined && now - n.lastQuery <= GOOD_FOR_MS) return 'good';
  return 'questionable';
}

const lastSeen = (n: TableNode): number => Math.max(n.lastResponse ?? 0, n.lastQuery ?? 0);
const validContact = (c: Contact): boolean => c.port > 0 && c.port < 65536 && c.id.length === 20 && c.ip.length > 0;

/** k-buckets around our id (see the file comment). */
export class RoutingTable {
  private readonly buckets: Bucket[];

  constructor(readonly ourId: NodeId, now: number, readonly k: number = K) {
    this.buckets = [{ nodes: [], replacements: [], lastChanged: now }];
  }

  /** Nodes stored (not counting replacement candidates). */
  get size(): number {
    return this.buckets.reduce((n, b) => n + b.nodes.length, 0);
  }

  /** Index of the bucket that covers `id`. */
  bucketIndex(id: NodeId): number {
    return Math.min(commonPrefixBits(this.ourId, id), this.buckets.length - 1);
  }

  /** The stored node with this id, if any. */
  get(id: NodeId): TableNode | undefined {
    return this.buckets[this.bucketIndex(id)]!.nodes.find((n) => sameId(n.id, id));
  }

  /** The stored node at this endpoint, if any. */
  atEndpoint(ip: string, port: number): TableNode | undefined {
    for (const b of this.buckets) for (const n of b.nodes) if (n.ip === ip && n.port === port) return n;
    return undefined;
  }

  /**
   * A node answered our query (`response`: it is now verified) or sent us one (`query`).
   * Applies the BEP 5 insertion rules: update if known, add if there is room, split our own
   * bucket when full, replace a bad node, ask to ping questionable ones, else drop.
   */
  observe(c: Contact, via: Contacted, now: number): ObserveResult {
    if (sameId(c.id, this.ourId) || !validContact(c)) return { kind: 'ignored' };
    // One entry per endpoint: an endpoint that now claims another id loses its old entry.
    const old = this.atEndpoint(c.ip, c.port);
    if (old !== undefined && !sameId(old.id, c.id)) this.remove(old.id);
    for (;;) {
      const index = this.bucketIndex(c.id);
      const bucket = this.buckets[index]!;
      const at = bucket.nodes.findIndex((n) => sameId(n.id, c.id));
      if (at >= 0) {
        const n = bucket.nodes[at]!;
        if (n.ip !== c.ip || n.port !== c.port) {
          // Same id from another address: keep the one we know unless it has gone bad.
          if (nodeStatus(n, now) !== 'bad') return { kind: 'ignored' };
        }
        bucket.nodes[at] = touch({ ...n, ip: c.ip, port: c.port }, via, now);
        if (via === 'response') bucket.lastChanged = now;
        return { kind: 'updated' };
      }
      const fresh = touch({ id: c.id, ip: c.ip, port: c.port, lastResponse: undefined, lastQuery: undefined, failures: 0 }, via, now);
      if (bucket.nodes.length < this.k) {
        bucket.nodes.push(fresh);
        bucket.lastChanged = now;
        return { kind: 'added' };
      }
      if (index === this.buckets.length - 1 && this.buckets.length < ID_BITS) {
        this.split();
        continue;
      }
      const bad = bucket.nodes.findIndex((n) => nodeStatus(n, now) === 'bad');
      if (bad >= 0) {
        bucket.nodes[bad] = fresh;
        bucket.lastChanged = now;
        return { kind: 'replaced' };
      }
      const questionable = bucket.nodes.filter((n) => nodeStatus(n, now) === 'questionable').sort((a, b) => lastSeen(a) - lastSeen(b));
      if (questionable.length === 0) return { kind: 'full' };
      // Remember it (a verified one first) to fill the place of a questionable node that fails.
      bucket.replacements = [fresh, ...bucket.replacements.filter((r) => !sameId(r.id, c.id))]
        .sort((a, b) => Number(b.lastResponse !== undefined) - Number(a.lastResponse !== undefined))
        .slice(0, REPLACEMENTS_PER_BUCKET);
      return { kind: 'ping', questionable: questionable.map(contactOf) };
    }
  }

  /**
   * A query to this node went unanswered (or was answered with the wrong id). After
   * {@link MAX_FAILURES} in a row the node is bad, and a replacement candidate, if any, takes
   * its place at once.
   */
  failed(id: NodeId, now: number): void {
    const bucket = this.buckets[this.bucketIndex(id)]!;
    const at = bucket.nodes.findIndex((n) => sameId(n.id, id));
    if (at < 0) return;
    const n = { ...bucket.nodes[at]!, failures: bucket.nodes[at]!.failures + 1 };
    bucket.nodes[at] = n;
    if (nodeStatus(n, now) === 'bad' && bucket.replacements.length > 0) {
      bucket.nodes[at] = bucket.replacements.shift()!;
      bucket.lastChanged = now;
    }
  }

  /** Forgets a node (e.g. it answered from its address with another id). */
  remove(id: NodeId): void {
    const bucket = this.buckets[this.bucketIndex(id)]!;
    bucket.nodes = bucket.nodes.filter((n) => !sameId(n.id, id));
    bucket.replacements = bucket.replacements.filter((n) => !sameId(n.id, id));
    const next = bucket.replacements.shift();
    if (next !== undefined) bucket.nodes.push(next);
  }

  /** Up to `n` stored nodes closest to `target`, bad ones left out, nearest first. */
  closest(target: NodeId, n: number, now: number): TableNode[] {
    const all: TableNode[] = [];
    for (const b of this.buckets) for (const x of b.nodes) if (nodeStatus(x, now) !== 'bad') all.push(x);
    return all.sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, n);
  }

  /** Every stored node with its status. */
  nodes(now: number): (TableNode & { status: NodeStatus })[] {
    return this.buckets.flatMap((b) => b.nodes.map((n) => ({ ...n, status: nodeStatus(n, now) })));
  }

  /** The buckets, farthest first. */
  view(now: number): BucketView[] {
    return this.buckets.map((b, i) => ({
      prefixBits: i,
      holdsOurId: i === this.buckets.length - 1,
      nodes: b.nodes.map((n) => ({ ...n, status: nodeStatus(n, now) })),
      replacements: b.replacements.length,
      lastChanged: b.lastChanged,
    }));
  }

  /**
   * Buckets unchanged for {@link GOOD_FOR_MS} (BEP 5: "Buckets that have not been changed in 15
   * minutes should be refreshed"), as their prefix lengths; refresh each by looking up a random
   * id in it (see `idWithPrefix`). The last bucket is refreshed with our own id.
   */
  staleBuckets(now: number): number[] {
    const out: number[] = [];
    this.buckets.forEach((b, i) => {
      if (now - b.lastChanged >= GOOD_FOR_MS) out.push(i);
    });
    return out;
  }

  /** Marks a bucket as just refreshed, so it is not a candidate again before 15 minutes pass. */
  refreshed(prefixBits: number, now: number): void {
    const b = this.buckets[Math.min(prefixBits, this.buckets.length - 1)];
    if (b !== undefined) b.lastChanged = now;
  }

  /** Splits the last bucket: nodes sharing one more bit with us move into a new last bucket. */
  private split(): void {
    const depth = this.buckets.length - 1;
    const last = this.buckets[depth]!;
    const near = (n: TableNode): boolean => commonPrefixBits(this.ourId, n.id) > depth;
    this.buckets[depth] = { nodes: last.nodes.filter((n) => !near(n)), replacements: last.replacements.filter((n) => !near(n)), lastChanged: last.lastChanged };
    this.buckets.push({ nodes: last.nodes.filter(near), replacements: last.replacements.filter(near), lastChanged: last.lastChanged });
  }
}

function touch(n: TableNode, via: Contacted, now: number): TableNode {
  return via === 'response' ? { ...n, lastResponse: now, failures: 0 } : { ...n, lastQuery: now };
}

const contactOf = (n: TableNode): Contact => ({ id: n.id, ip: n.ip, port: n.port });

/** Byte equality of two ids. */
export function sameId(a: NodeId, b: NodeId): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Hex key of a contact's id (re-exported for callers that key maps by node). */
export const contactKey = (c: Contact): string => idKey(c.id);
