/**
 * Candidate peer addresses for one torrent: where they came from, which are connected, which
 * failed (with back-off) and which are banned. Plain data with a hard size bound, because
 * trackers, incoming connections and later PEX/DHT can all be hostile sources of addresses.
 */

/** A dialable address. */
export interface PeerEndpoint {
  readonly ip: string;
  readonly port: number;
}

/** Where a candidate address came from (shown to users; BEP 27 limits private torrents to trackers). */
export type PeerSource = 'tracker' | 'dht' | 'pex' | 'user';

/** An address to dial and where it came from. */
export interface DialCandidate extends PeerEndpoint {
  readonly source: PeerSource;
}

/** Tunables. */
export interface PeerPoolOptions {
  /** Most candidates remembered; extra ones are dropped (default 2,000). */
  readonly maxCandidates: number;
  /** Failed dials before a candidate is forgotten (default 5). */
  readonly maxFailures: number;
  /** First retry delay after a failure, doubled per failure (default 15 s). */
  readonly retryBaseMs: number;
}

interface Candidate {
  readonly ip: string;
  readonly port: number;
  readonly source: PeerSource;
  failures: number;
  retryAt: number;
  connected: boolean;
}

/** Key used everywhere for an address: `ip:port` (IPv6 in brackets). */
export const endpointKey = (p: PeerEndpoint): string => (p.ip.includes(':') ? `[${p.ip}]:${p.port}` : `${p.ip}:${p.port}`);

/** The IP part of an {@link endpointKey}. */
export const ipOfEndpointKey = (key: string): string =>
  key.startsWith('[') ? key.slice(1, key.indexOf(']')) : key.slice(0, key.lastIndexOf(':'));

const validPort = (port: number): boolean => Number.isInteger(port) && port > 0 && port < 65536;

export class PeerPool {
  private readonly candidates = new Map<string, Candidate>();
  private readonly banned = new Set<string>();
  private readonly options: PeerPoolOptions;

  constructor(
    private readonly self: readonly PeerEndpoint[] = [],
    options: Partial<PeerPoolOptions> = {},
  ) {
    this.options = { maxCandidates: 2_000, maxFailures: 5, retryBaseMs: 15_000, ...options };
  }

  /**
   * Adds addresses (deduplicated, the first source kept; ourselves, banned IPs and bad ports are
   * ignored). Returns how many were new.
   */
  add(peers: readonly PeerEndpoint[], source: PeerSource = 'tracker'): number {
    let added = 0;
    for (const p of peers) {
      if (!validPort(p.port) || this.banned.has(p.ip)) continue;
      if (this.self.some((s) => s.port === p.port && s.ip === p.ip)) continue;
      const key = endpointKey(p);
      if (this.candidates.has(key)) continue;
      if (this.candidates.size >= this.options.maxCandidates) break;
      this.candidates.set(key, { ip: p.ip, port: p.port, source, failures: 0, retryAt: 0, connected: false });
      added++;
    }
    return added;
  }

  /** Up to `n` candidates to dial now, marked connected (the caller reports the outcome). */
  takeForDial(n: number, now: number): DialCandidate[] {
    const out: DialCandidate[] = [];
    if (n <= 0) return out;
    for (const c of this.candidates.values()) {
      if (c.connected || c.retryAt > now) continue;
      c.connected = true;
      out.push({ ip: c.ip, port: c.port, source: c.source });
      if (out.length >= n) break;
    }
    return out;
  }

  /** How many candidates could be dialled now. */
  dialable(now: number): number {
    let n = 0;
    for (const c of this.candidates.values()) if (!c.connected && c.retryAt <= now) n++;
    return n;
  }

  /** Records an inbound connection so we do not dial the same address too. */
  markConnected(p: PeerEndpoint): void {
    const c = this.candidates.get(endpointKey(p));
    if (c) c.connected = true;
  }

  /**
   * Records the end of a connection or a failed dial. A connection that worked resets the
   * back-off; a failure doubles it, and too many failures forget the address.
   */
  markClosed(p: PeerEndpoint, failed: boolean, now: number): void {
    const key = endpointKey(p);
    const c = this.candidates.get(key);
    if (!c) return;
    c.connected = false;
    if (!failed) {
      c.failures = 0;
      c.retryAt = now + this.options.retryBaseMs;
      return;
    }
    c.failures++;
    if (c.failures >= this.options.maxFailures) this.candidates.delete(key);
    else c.retryAt = now + this.options.retryBaseMs * 2 ** (c.failures - 1);
  }

  /** Bans an IP: every candidate on it is forgotten and never added again. */
  ban(ip: string): void {
    this.banned.add(ip);
    for (const [key, c] of this.candidates) if (c.ip === ip) this.candidates.delete(key);
  }

  isBanned(ip: string): boolean {
    return this.banned.has(ip);
  }

  get size(): number {
    return this.candidates.size;
  }
}

/** Hash-failure strikes before a peer that shared blame for bad pieces is banned. */
export const STRIKES_TO_BAN = 3;

/**
 * Trust bookkeeping for hash failures (BEP 3 gives no rule; this follows common practice):
 * a peer that alone sent a bad piece is banned at once; one of several contributors gets a
 * strike, and {@link STRIKES_TO_BAN} strikes ban it.
 */
export class TrustLedger {
  private readonly strikes = new Map<string, number>();

  /** Strikes against `ip` so far (read-only, for inspection). */
  strikesOf(ip: string): number {
    return this.strikes.get(ip) ?? 0;
  }

  /** Records a failed piece; returns the IPs to ban now. */
  blame(contributorIps: readonly string[]): string[] {
    const unique = [...new Set(contributorIps)];
    if (unique.length === 1) return unique;
    const ban: string[] = [];
    for (const ip of unique) {
      const n = (this.strikes.get(ip) ?? 0) + 1;
      this.strikes.set(ip, n);
      if (n >= STRIKES_TO_BAN) ban.push(ip);
    }
    return ban;
  }
}
