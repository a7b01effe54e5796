import { BanList, MAX_BANS } from './banList.js';
import { ListenHolds } from './listenHolds.js';

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
  /** IPs this torrent has banned (the shared list also holds other torrents' bans); oldest first out past {@link MAX_BANS}, like that list. */
  private readonly bannedHere = new Set<string>();
  private readonly listenHolds = new ListenHolds();
  private readonly options: PeerPoolOptions;

  /** @param bans the session's ban list (shared by its torrents); a private one when omitted */
  constructor(
    private readonly self: readonly PeerEndpoint[] = [],
    options: Partial<PeerPoolOptions> = {},
    private readonly bans: BanList = new BanList(),
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
      if (!validPort(p.port) || this.bans.has(p.ip)) continue;
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
    for (const [key, c] of this.candidates) {
      if (!this.isDialable(key, c, now)) continue;
      c.connected = true;
      out.push({ ip: c.ip, port: c.port, source: c.source });
      if (out.length >= n) break;
    }
    return out;
  }

  /** How many candidates could be dialled now. */
  dialable(now: number): number {
    let n = 0;
    for (const [key, c] of this.candidates) if (this.isDialable(key, c, now)) n++;
    return n;
  }

  /** Not connected, past its back-off, not held for a running connection, and not banned since it was added (maybe by another torrent of the session). */
  private isDialable(key: string, c: Candidate, now: number): boolean {
    return !c.connected && c.retryAt <= now && !this.listenHolds.has(key) && !this.bans.has(c.ip);
  }

  /**
   * Connection `connectionId` (an endpoint key) says in its extended handshake that its peer
   * listens on `port` (BEP 10 `p`): that address, on the connection's IP, is not dialled while
   * the connection runs (see {@link ListenHolds}).
   */
  holdListenAddress(connectionId: string, port: number, now: number): void {
    if (!validPort(port)) return;
    this.afterHold(this.listenHolds.hold(connectionId, endpointKey({ ip: ipOfEndpointKey(connectionId), port })), now, true);
  }

  /**
   * Connection `connectionId` ended: the listen address it held may be dialled again, after the
   * usual delay for a connection that worked (the peer may well have closed it on purpose), or
   * at once without `backOff` (we closed it ourselves: a pause).
   */
  releaseListenAddress(connectionId: string, now: number, backOff = true): void {
    this.afterHold(this.listenHolds.release(connectionId), now, backOff);
  }

  private afterHold(releasedKey: string | undefined, now: number, backOff: boolean): void {
    const c = releasedKey === undefined ? undefined : this.candidates.get(releasedKey);
    if (c !== undefined && !c.connected) c.retryAt = backOff ? Math.max(c.retryAt, now + this.options.retryBaseMs) : now;
  }

  /** Records an inbound connection so we do not dial the same address too. */
  markConnected(p: PeerEndpoint): void {
    const c = this.candidates.get(endpointKey(p));
    if (c) c.connected = true;
  }

  /**
   * Records the end of a connection or a failed dial. A connection that worked resets the
   * back-off; a failure doubles it, and too many failures forget the address. Without
   * `backOff` (we closed it ourselves) the address may be dialled again at once.
   */
  markClosed(p: PeerEndpoint, failed: boolean, now: number, backOff = true): void {
    const key = endpointKey(p);
    const c = this.candidates.get(key);
    if (!c) return;
    c.connected = false;
    if (!failed || !backOff) {
      // `backOff` false: we closed a working connection ourselves (pause): dial again at once
      if (!failed) c.failures = 0;
      c.retryAt = backOff ? now + this.options.retryBaseMs : now;
      return;
    }
    c.failures++;
    if (c.failures >= this.options.maxFailures) this.candidates.delete(key);
    else c.retryAt = now + this.options.retryBaseMs * 2 ** (c.failures - 1);
  }

  /**
   * Bans an IP (in the shared ban list, so for every torrent of the session): every candidate
   * on it is forgotten and never added again. Returns false when this torrent had banned it
   * already, so a liar convicted by several pieces (one verified batch can carry many) is
   * reported once; true when only another torrent had, so this torrent reports its own closes.
   */
  ban(ip: string, reason = 'banned'): boolean {
    for (const [key, c] of this.candidates) if (c.ip === ip) this.candidates.delete(key);
    // still on the shared list: a full list may have dropped it, and then it could come back
    const listed = this.bans.has(ip);
    this.bans.ban(ip, reason);
    if (listed && this.bannedHere.has(ip)) return false;
    this.bannedHere.delete(ip);
    this.bannedHere.add(ip);
    if (this.bannedHere.size > MAX_BANS) this.bannedHere.delete(this.bannedHere.values().next().value as string);
    return true;
  }

  isBanned(ip: string): boolean {
    return this.bans.has(ip);
  }

  get size(): number {
    return this.candidates.size;
  }
}
