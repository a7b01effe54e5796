import { defaultTrackerLimits, type TrackerLimits } from './trackerLimits.js';
import type { AnnounceOutcome, PeerEndpoint, PeerView, ServerAnnounce, SwarmCounts } from './peerTypes.js';

/** Why a peer left the store other than by its own `stopped` announce. */
export type PeerRemovalReason = 'expired' | 'torrent-cap' | 'swarm-cap' | 'total-cap';

/** A peer the store dropped, reported through {@link SwarmStoreOptions.onRemoved}. */
export interface PeerRemoval {
  readonly infoHash: Uint8Array;
  readonly endpoint: PeerEndpoint;
  readonly reason: PeerRemovalReason;
}

/** Totals over the whole store. */
export interface StoreTotals {
  readonly torrents: number;
  readonly peers: number;
  readonly seeders: number;
  readonly leechers: number;
}

/** Construction options of {@link SwarmStore}. */
export interface SwarmStoreOptions {
  /** A peer not heard from for this long is dropped by {@link SwarmStore.sweep}. */
  readonly peerTtlMs: number;
  /** A swarm with no peers and no announce for this long is forgotten (default 1 hour, at least `peerTtlMs`). */
  readonly swarmTtlMs?: number;
  readonly limits?: Partial<TrackerLimits>;
  /** Milliseconds clock; must not go backwards. Injected so tests can run on fake time. */
  readonly now?: () => number;
  /** Uniform [0, 1) source for peer selection. */
  readonly random?: () => number;
  readonly onRemoved?: (removal: PeerRemoval) => void;
}

interface PeerRecord {
  readonly globalKey: string;
  readonly peerKey: string;
  readonly swarm: Swarm;
  peerId: Uint8Array;
  endpoint: PeerEndpoint;
  seeder: boolean;
  lastSeen: number;
  /** Index in the swarm's per-family array, for O(1) removal and random picks. */
  slot: number;
}

interface Swarm {
  readonly key: string;
  readonly infoHash: Uint8Array;
  /** Keyed by ip + peer id; Map order is least recently announced first. */
  readonly peers: Map<string, PeerRecord>;
  readonly v4: PeerRecord[];
  readonly v6: PeerRecord[];
  seeders: number;
  downloaded: number;
  lastActivity: number;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

/**
 * The swarms a tracker knows, shared by its HTTP and UDP fronts. Peers are keyed by address and
 * peer id, so one client cannot overwrite another's entry by reusing its peer id from elsewhere.
 * Every map is kept in least-recently-announced order (an announce moves its entry to the end),
 * which makes expiry and "evict the stalest" O(1) per removed entry.
 */
export class SwarmStore {
  private readonly swarms = new Map<string, Swarm>();
  private readonly all = new Map<string, PeerRecord>();
  private readonly limits: TrackerLimits;
  private readonly peerTtlMs: number;
  private readonly swarmTtlMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly onRemoved: ((removal: PeerRemoval) => void) | undefined;
  private seederTotal = 0;

  constructor(options: SwarmStoreOptions) {
    this.limits = { ...defaultTrackerLimits, ...options.limits };
    this.peerTtlMs = options.peerTtlMs;
    this.swarmTtlMs = Math.max(options.swarmTtlMs ?? 3_600_000, options.peerTtlMs);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.onRemoved = options.onRemoved;
  }

  /**
   * Records an announce and picks up to `numwant` other peers at random, preferring the
   * requester's address family. A `stopped` announce removes the peer and returns no peers.
   */
  announce(a: ServerAnnounce): AnnounceOutcome {
    const now = this.now();
    const swarmKey = latin1(a.infoHash);
    const peerKey = `${a.endpoint.ip}|${latin1(a.peerId)}`;
    let swarm = this.swarms.get(swarmKey);
    if (a.event === 'stopped') {
      const rec = swarm?.peers.get(peerKey);
      if (rec !== undefined) this.remove(rec, undefined);
      return { counts: swarm === undefined ? zeroCounts : countsOf(swarm), peers: [] };
    }
    if (swarm === undefined) {
      if (this.swarms.size >= this.limits.maxTorrents) this.evictStalestSwarm();
      swarm = { key: swarmKey, infoHash: a.infoHash.slice(), peers: new Map(), v4: [], v6: [], seeders: 0, downloaded: 0, lastActivity: now };
    } else {
      this.swarms.delete(swarmKey);
    }
    this.swarms.set(swarmKey, swarm);
    swarm.lastActivity = now;

    const seeder = a.left === 0;
    let rec = swarm.peers.get(peerKey);
    if (a.event === 'completed' && !(rec?.seeder ?? false)) swarm.downloaded++;
    if (rec === undefined) {
      if (swarm.peers.size >= this.limits.maxPeersPerTorrent) {
        const stalest = first(swarm.peers);
        if (stalest !== undefined) this.remove(stalest, 'swarm-cap');
      }
      if (this.all.size >= this.limits.maxPeers) {
        const stalest = first(this.all);
        if (stalest !== undefined) this.remove(stalest, 'total-cap');
      }
      rec = { globalKey: `${swarmKey}${peerKey}`, peerKey, swarm, peerId: a.peerId.slice(), endpoint: a.endpoint, seeder, lastSeen: now, slot: 0 };
      const list = familyList(swarm, a.endpoint);
      rec.slot = list.length;
      list.push(rec);
      if (seeder) { swarm.seeders++; this.seederTotal++; }
    } else {
      swarm.peers.delete(peerKey);
      this.all.delete(rec.globalKey);
      if (rec.seeder !== seeder) {
        const d = seeder ? 1 : -1;
        swarm.seeders += d;
        this.seederTotal += d;
        rec.seeder = seeder;
      }
      // Same address and peer id, so same family: only the port can have changed.
      rec.endpoint = a.endpoint;
      rec.lastSeen = now;
    }
    swarm.peers.set(peerKey, rec);
    this.all.set(rec.globalKey, rec);
    return { counts: countsOf(swarm), peers: this.pick(swarm, rec, a.numwant) };
  }

  /** Counts of one swarm; zeros for a swarm the store does not know (BEP 48). */
  scrape(infoHash: Uint8Array): SwarmCounts {
    const swarm = this.swarms.get(latin1(infoHash));
    return swarm === undefined ? zeroCounts : countsOf(swarm);
  }

  /** Drops peers silent for longer than the peer TTL and empty swarms idle past the swarm TTL; returns peers dropped. */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const rec of this.all.values()) {
      if (now - rec.lastSeen <= this.peerTtlMs) break;
      this.remove(rec, 'expired');
      dropped++;
    }
    for (const swarm of this.swarms.values()) {
      if (now - swarm.lastActivity <= this.swarmTtlMs) break;
      if (swarm.peers.size === 0) this.swarms.delete(swarm.key);
    }
    return dropped;
  }

  /** Totals over all swarms. */
  totals(): StoreTotals {
    return { torrents: this.swarms.size, peers: this.all.size, seeders: this.seederTotal, leechers: this.all.size - this.seederTotal };
  }

  private evictStalestSwarm(): void {
    const swarm = first(this.swarms);
    if (swarm === undefined) return;
    for (const rec of [...swarm.peers.values()]) this.remove(rec, 'torrent-cap');
    this.swarms.delete(swarm.key);
  }

  private remove(rec: PeerRecord, reason: PeerRemovalReason | undefined): void {
    const swarm = rec.swarm;
    swarm.peers.delete(rec.peerKey);
    this.all.delete(rec.globalKey);
    const list = familyList(swarm, rec.endpoint);
    const last = list.pop();
    if (last !== undefined && last !== rec) {
      list[rec.slot] = last;
      last.slot = rec.slot;
    }
    if (rec.seeder) { swarm.seeders--; this.seederTotal--; }
    if (reason !== undefined) this.onRemoved?.({ infoHash: swarm.infoHash, endpoint: rec.endpoint, reason });
  }

  private pick(swarm: Swarm, self: PeerRecord, numwant: number): PeerView[] {
    const own = familyList(swarm, self.endpoint);
    const other = own === swarm.v4 ? swarm.v6 : swarm.v4;
    const out: PeerView[] = [];
    sample(own, numwant, self, this.random, out);
    if (out.length < numwant) sample(other, numwant - out.length, self, this.random, out);
    return out;
  }
}

const zeroCounts: SwarmCounts = { complete: 0, incomplete: 0, downloaded: 0 };

function countsOf(s: Swarm): SwarmCounts {
  return { complete: s.seeders, incomplete: s.peers.size - s.seeders, downloaded: s.downloaded };
}

function familyList(s: Swarm, e: PeerEndpoint): PeerRecord[] {
  return e.ipBytes.length === 4 ? s.v4 : s.v6;
}

function first<V>(m: Map<string, V>): V | undefined {
  for (const v of m.values()) return v;
  return undefined;
}

let scratch = new Uint32Array(256);

/** Appends up to `k` distinct random members of `list` other than `exclude` to `out`. */
function sample(list: readonly PeerRecord[], k: number, exclude: PeerRecord, random: () => number, out: PeerView[]): void {
  const n = list.length;
  const available = n - (list[exclude.slot] === exclude ? 1 : 0);
  if (k <= 0 || available <= 0) return;
  const push = (r: PeerRecord): void => { out.push({ peerId: r.peerId, endpoint: r.endpoint }); };
  if (k >= available) {
    for (const r of list) if (r !== exclude) push(r);
    return;
  }
  if (k * 2 >= n) {
    // Dense case: partial Fisher-Yates over a reused scratch array of indices.
    if (scratch.length < n) scratch = new Uint32Array(Math.max(n, scratch.length * 2));
    for (let i = 0; i < n; i++) scratch[i] = i;
    let taken = 0;
    for (let i = 0; i < n && taken < k; i++) {
      const j = i + Math.floor(random() * (n - i));
      const chosen = scratch[j] as number;
      scratch[j] = scratch[i] as number;
      scratch[i] = chosen;
      const r = list[chosen] as PeerRecord;
      if (r !== exclude) { push(r); taken++; }
    }
    return;
  }
  // Sparse case: rejection sampling; k < n / 2 so each draw succeeds with probability > 1/2.
  const seen = new Set<number>();
  while (seen.size < k) {
    const i = Math.floor(random() * n);
    const r = list[i] as PeerRecord;
    if (r === exclude || seen.has(i)) continue;
    seen.add(i);
    push(r);
  }
}
