/**
 * Peers announced to us (BEP 5 "announce_peer"), per info hash, handed out in get_peers
 * replies. Entries expire (default 30 minutes: announcers re-announce well within that) and
 * the store is capped per info hash, in info hashes and in total, because any node on the
 * internet may announce anything. An IPv4 peer is kept as one number (ip << 16 | port), so
 * 100k peers cost a few MB. Time is passed in (ms), never read.
 */
import { encodeCompactPeer, type Endpoint } from './compactInfo.js';

/** Tunables. */
export interface PeerStoreOptions {
  /** How long an announce is kept (ms, default 30 min). */
  readonly ttlMs: number;
  /** Most peers per info hash (default 2,000); the oldest make way. */
  readonly maxPerHash: number;
  /** Most info hashes (default 50,000); new ones are refused when full. */
  readonly maxHashes: number;
  /** Most peers in all (default 200,000); new ones are refused when full. */
  readonly maxTotal: number;
}

const DEFAULTS: PeerStoreOptions = { ttlMs: 30 * 60 * 1000, maxPerHash: 2000, maxHashes: 50_000, maxTotal: 200_000 };

/** What {@link PeerStore.add} did. */
export type AddResult = 'added' | 'refreshed' | 'full' | 'invalid';

/** Peers by info hash (hex key) with expiry and caps. */
export class PeerStore {
  /** hash key → (packed endpoint → expiry ms), in insertion (= refresh) order. */
  private readonly byHash = new Map<string, Map<number, number>>();
  private total = 0;
  readonly options: PeerStoreOptions;

  constructor(options: Partial<PeerStoreOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Peers stored in all. */
  get size(): number {
    return this.total;
  }

  /** Info hashes with at least one peer. */
  get hashes(): number {
    return this.byHash.size;
  }

  /** Records (or refreshes) `peer` for `hashKey`. IPv6 peers are not stored (IPv4 DHT). */
  add(hashKey: string, peer: Endpoint, now: number): AddResult {
    const packed = pack(peer);
    if (packed === undefined) return 'invalid';
    let peers = this.byHash.get(hashKey);
    if (peers === undefined) {
      if (this.byHash.size >= this.options.maxHashes || this.total >= this.options.maxTotal) return 'full';
      peers = new Map();
      this.byHash.set(hashKey, peers);
    }
    const expires = now + this.options.ttlMs;
    if (peers.has(packed)) {
      peers.delete(packed); // re-insert: Map order stays oldest-first
      peers.set(packed, expires);
      return 'refreshed';
    }
    if (peers.size >= this.options.maxPerHash) {
      const oldest = peers.keys().next().value as number;
      peers.delete(oldest);
      this.total--;
    } else if (this.total >= this.options.maxTotal) {
      return 'full';
    }
    peers.set(packed, expires);
    this.total++;
    return 'added';
  }

  /** Up to `max` live peers for `hashKey`, oldest announce first (no copy of the whole set). */
  peers(hashKey: string, now: number, max: number): Endpoint[] {
    const peers = this.byHash.get(hashKey);
    if (peers === undefined) return [];
    const live: Endpoint[] = [];
    for (const [packed, expires] of peers) {
      if (live.length >= max) break;
      if (expires > now) live.push(unpack(packed));
    }
    return live;
  }

  /** Drops expired entries; returns how many. */
  expire(now: number): number {
    let dropped = 0;
    for (const [key, peers] of this.byHash) {
      for (const [packed, expires] of peers) {
        if (expires <= now) {
          peers.delete(packed);
          dropped++;
        }
      }
      if (peers.size === 0) this.byHash.delete(key);
    }
    this.total -= dropped;
    return dropped;
  }
}

function pack(e: Endpoint): number | undefined {
  const b = encodeCompactPeer(e);
  if (b === undefined || e.port === 0) return undefined;
  return ((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 256 * 256 * 256 + b[3]! * 65536 + e.port;
}

function unpack(n: number): Endpoint {
  const port = n % 65536;
  let ip = Math.floor(n / 65536);
  const d = ip % 256; ip = Math.floor(ip / 256);
  const c = ip % 256; ip = Math.floor(ip / 256);
  const b = ip % 256; const a = Math.floor(ip / 256);
  return { ip: `${a}.${b}.${c}.${d}`, port };
}
