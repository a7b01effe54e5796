import { randomInt } from 'node:crypto';
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { trackerError, type AnnounceRequest, type AnnounceResponse, type TrackerError } from '../types.js';
import { DEFAULT_MAX_PEERS_PER_REPLY } from './compactPeers.js';
import { clampInterval } from './intervals.js';
import { checkTrackerAddress } from './trackerUrlPolicy.js';
import { UdpConnectionCache } from './udpConnectionCache.js';
import { decodeUdpReply, encodeAnnounceRequest, encodeConnectRequest, type UdpReply } from './udpPackets.js';

/** Options of {@link udpAnnounce}. */
export interface UdpTrackerOptions {
  /**
   * Base of the retransmission back-off, ms: the n-th try waits `base * 2^n` (BEP 15 uses
   * 15 s, the default). Tests shrink it.
   */
  readonly retransmitBaseMs?: number;
  /** Largest n in `base * 2^n` before giving up (BEP 15: 8, the default, i.e. ~2 h in all). */
  readonly maxRetransmits?: number;
  /** Shares connection ids across announces (reused up to one minute, BEP 15). */
  readonly connectionCache?: UdpConnectionCache;
  /** Cancels the announce. */
  readonly signal?: AbortSignal;
  /** Milliseconds clock for connection-id expiry (default `Date.now`). */
  readonly now?: () => number;
  /** Source of 32-bit transaction ids (default crypto-random). */
  readonly transactionId?: () => number;
  /** Socket factory (default `dgram.createSocket`). */
  readonly createSocket?: (type: SocketType) => Socket;
  /** Host name resolution (default `dns.promises.lookup`); IP literals skip it. */
  readonly lookup?: (host: string) => Promise<{ address: string; family: number }>;
  /**
   * Local address the socket binds to (`--host`), so the tracker sees, and lists, the address
   * we listen on (BEP 15 announces carry IP 0: "the sender's").
   */
  readonly localAddress?: string;
  /** Apply the tracker URL policy (SSRF guard, trackerUrlPolicy.ts); `announce()` turns it on. */
  readonly urlPolicy?: boolean;
  /** Most peers taken from one reply (default {@link DEFAULT_MAX_PEERS_PER_REPLY}). */
  readonly maxPeersPerReply?: number;
}

/** Default retransmission base, ms (BEP 15: 15 s). */
export const DEFAULT_UDP_RETRANSMIT_BASE_MS = 15_000;
/** Default highest back-off exponent (BEP 15: 8). */
export const DEFAULT_UDP_MAX_RETRANSMITS = 8;

/**
 * Announces to a `udp://host:port` tracker (BEP 15): connect (or reuse a connection id younger
 * than a minute), then announce, each request retransmitted after `base * 2^n` ms with n
 * growing to `maxRetransmits`. Replies with another transaction id or from another address are
 * ignored; an error reply (action 3) is a `failure-reason` error. Never rejects.
 */
export function udpAnnounce(
  announceUrl: string,
  req: AnnounceRequest,
  opts: UdpTrackerOptions = {},
): TE.TaskEither<TrackerError, AnnounceResponse> {
  return async () => {
    const parsed = parseUdpUrl(announceUrl);
    if (parsed === undefined) return E.left(trackerError.unsupportedScheme(announceUrl));
    const label = `udp://${parsed.host}:${parsed.port}`;
    let target: { address: string; family: 4 | 6 };
    try {
      target = await resolve(parsed.host, opts.lookup ?? ((h) => dnsLookup(h)));
    } catch (e) {
      return E.left(trackerError.network(label, `cannot resolve ${parsed.host}: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (opts.urlPolicy === true) {
      const verdict = checkTrackerAddress(announceUrl, target.address, undefined);
      if (verdict !== undefined) return E.left(trackerError.refusedByPolicy(label, verdict));
    }
    const session = new UdpExchange(label, target.address, parsed.port, target.family, opts);
    try {
      return await session.announce(req);
    } finally {
      session.close();
    }
  };
}

/** Host and port of a `udp://` URL (path and query, e.g. `/announce`, are ignored). */
export function parseUdpUrl(url: string): { host: string; port: number } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'udp:' || u.hostname === '') return undefined;
  const port = Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port };
}

async function resolve(
  host: string,
  lookup: (host: string) => Promise<{ address: string; family: number }>,
): Promise<{ address: string; family: 4 | 6 }> {
  const literal = isIP(host);
  if (literal !== 0) return { address: host, family: literal === 6 ? 6 : 4 };
  const r = await lookup(host);
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}

type Outcome = { readonly _tag: 'reply'; readonly reply: UdpReply } | { readonly _tag: 'timeout' };

/** One announce's socket and its single outstanding request. */
class UdpExchange {
  private readonly socket: Socket;
  private readonly base: number;
  private readonly maxN: number;
  private readonly now: () => number;
  private readonly nextTid: () => number;
  private readonly cache: UdpConnectionCache;
  private readonly key: string;
  private waiter: ((packet: Uint8Array) => void) | undefined;
  private failure: ((e: TrackerError) => void) | undefined;
  /** A socket error that arrived while no request was waiting. */
  private broken: TrackerError | undefined;

  constructor(
    private readonly label: string,
    private readonly address: string,
    private readonly port: number,
    private readonly family: 4 | 6,
    private readonly opts: UdpTrackerOptions,
  ) {
    this.base = opts.retransmitBaseMs ?? DEFAULT_UDP_RETRANSMIT_BASE_MS;
    this.maxN = opts.maxRetransmits ?? DEFAULT_UDP_MAX_RETRANSMITS;
    this.now = opts.now ?? Date.now;
    this.nextTid = opts.transactionId ?? (() => randomInt(0, 2 ** 32 - 1));
    this.cache = opts.connectionCache ?? new UdpConnectionCache();
    this.key = `${address}:${port}`;
    this.socket = (opts.createSocket ?? ((t) => createSocket(t)))(family === 6 ? 'udp6' : 'udp4');
    this.socket.on('message', (msg, rinfo) => {
      // Only the tracker we asked may answer (BEP 15 leaves spoofing to the client).
      if (rinfo.address !== this.address || rinfo.port !== this.port) return;
      this.waiter?.(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    });
    this.socket.on('error', (e) => {
      const err = trackerError.network(this.label, e.message);
      if (this.failure !== undefined) this.failure(err);
      else this.broken = err;
    });
    // Sends wait for the bind; a bind failure (address not ours) arrives as 'error'.
    if (opts.localAddress !== undefined && isIP(opts.localAddress) === family) this.socket.bind({ address: opts.localAddress, port: 0 });
  }

  async announce(req: AnnounceRequest): Promise<E.Either<TrackerError, AnnounceResponse>> {
    let n = 0;
    for (;;) {
      const connectionId = this.cache.get(this.key, this.now());
      const tid = this.nextTid() >>> 0;
      const packet = connectionId === undefined ? encodeConnectRequest(tid) : encodeAnnounceRequest(connectionId, tid, req);
      const outcome = await this.exchange(packet, tid, this.base * 2 ** n);
      if (E.isLeft(outcome)) return outcome;
      const o = outcome.right;
      if (o._tag === 'timeout') {
        n++;
        if (n > this.maxN) return E.left(trackerError.timeout(this.label, totalWaitMs(this.base, this.maxN)));
        continue;
      }
      const reply = o.reply;
      switch (reply._tag) {
        case 'connect':
          if (connectionId !== undefined) return E.left(trackerError.invalidReply(this.label, 'connect reply to an announce'));
          this.cache.set(this.key, reply.connectionId, this.now());
          n = 0; // a fresh request starts its own back-off
          continue;
        case 'announce':
          if (connectionId === undefined) return E.left(trackerError.invalidReply(this.label, 'announce reply to a connect'));
          return E.right({
            interval: clampInterval(reply.interval),
            peers: reply.peers,
            complete: reply.seeders,
            incomplete: reply.leechers,
          });
        case 'error':
          // The connection id may be what it rejected; get a fresh one next time.
          this.cache.delete(this.key);
          return E.left(trackerError.failureReason(this.label, reply.message));
        case 'invalid':
          return E.left(trackerError.invalidReply(this.label, reply.reason));
        case 'ignore':
          // exchange() never resolves with 'ignore'
          continue;
      }
    }
  }

  /** Sends `packet` and waits up to `ms` for the reply to `tid`; ignores anything else. */
  private exchange(packet: Uint8Array, tid: number, ms: number): Promise<E.Either<TrackerError, Outcome>> {
    return new Promise((resolveOutcome) => {
      let settled = false;
      const finish = (r: E.Either<TrackerError, Outcome>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waiter = undefined;
        this.failure = undefined;
        this.opts.signal?.removeEventListener('abort', onAbort);
        resolveOutcome(r);
      };
      const onAbort = (): void => finish(E.left(trackerError.network(this.label, 'announce cancelled')));
      const timer = setTimeout(() => finish(E.right({ _tag: 'timeout' })), ms);
      this.waiter = (p) => {
        const reply = decodeUdpReply(p, tid, this.family, this.opts.maxPeersPerReply ?? DEFAULT_MAX_PEERS_PER_REPLY);
        if (reply._tag !== 'ignore') finish(E.right({ _tag: 'reply', reply }));
      };
      this.failure = (e) => finish(E.left(e));
      if (this.broken !== undefined) return finish(E.left(this.broken));
      if (this.opts.signal?.aborted) return onAbort();
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.socket.send(packet, this.port, this.address, (err) => {
        if (err) finish(E.left(trackerError.network(this.label, err.message)));
      });
    });
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/** Total time spent before giving up, for the timeout message. */
function totalWaitMs(base: number, maxN: number): number {
  let t = 0;
  for (let i = 0; i <= maxN; i++) t += base * 2 ** i;
  return t;
}
