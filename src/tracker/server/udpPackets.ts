import * as E from 'fp-ts/lib/Either.js';
import type { PeerView, ServerAnnounceEvent, SwarmCounts } from './peerTypes.js';

/** BEP 15's magic `protocol_id` that opens every connect request. */
export const UDP_PROTOCOL_ID = 0x41727101980n;

/** A well-formed BEP 15 request. */
export type UdpRequest =
  | { readonly action: 'connect'; readonly transactionId: number }
  | {
      readonly action: 'announce';
      readonly connectionId: Uint8Array;
      readonly transactionId: number;
      readonly infoHash: Uint8Array;
      readonly peerId: Uint8Array;
      readonly downloaded: number;
      readonly left: number;
      readonly uploaded: number;
      readonly event: ServerAnnounceEvent;
      /** 4 bytes; all zero means "use the packet's source address". */
      readonly ip: Uint8Array;
      /** -1 (or any negative value) means the tracker's default. */
      readonly numWant: number;
      readonly port: number;
    }
  | { readonly action: 'scrape'; readonly connectionId: Uint8Array; readonly transactionId: number; readonly infoHashes: readonly Uint8Array[] };

/**
 * Why a packet was refused. With a `transactionId` the client gets an error packet (action 3);
 * without one (too short, or not a BEP 15 packet at all) the packet is dropped silently.
 */
export interface UdpRefusal {
  readonly transactionId: number | undefined;
  readonly reason: string;
}

const EVENTS: readonly ServerAnnounceEvent[] = ['empty', 'completed', 'started', 'stopped'];
const ANNOUNCE_SIZE = 98;

/** Parses a datagram. Never throws. `maxScrapeHashes` bounds scrape requests. */
export function parseUdpRequest(b: Uint8Array, maxScrapeHashes: number): E.Either<UdpRefusal, UdpRequest> {
  if (b.length < 16) return E.left({ transactionId: undefined, reason: 'packet too short' });
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const action = v.getUint32(8);
  const transactionId = v.getUint32(12);
  const refuse = (reason: string): E.Either<UdpRefusal, UdpRequest> => E.left({ transactionId, reason });
  if (action === 0) {
    // Anything else starting like a connect is not ours to answer (and answering would reflect).
    if (v.getBigUint64(0) !== UDP_PROTOCOL_ID) return E.left({ transactionId: undefined, reason: 'bad protocol id' });
    return E.right({ action: 'connect', transactionId });
  }
  const connectionId = b.slice(0, 8);
  if (action === 1) {
    // BEP 41 may append options after the 98 fixed bytes; they are ignored.
    if (b.length < ANNOUNCE_SIZE) return refuse('announce packet too short');
    const downloaded = v.getBigInt64(56), left = v.getBigInt64(64), uploaded = v.getBigInt64(72);
    if (downloaded < 0n || left < 0n || uploaded < 0n) return refuse('negative byte count');
    const event = EVENTS[v.getUint32(80)];
    if (event === undefined) return refuse('unknown event');
    const port = v.getUint16(96);
    if (port === 0) return refuse('port must be in 1..65535');
    return E.right({
      action: 'announce', connectionId, transactionId,
      infoHash: b.slice(16, 36), peerId: b.slice(36, 56),
      downloaded: clamp(downloaded), left: clamp(left), uploaded: clamp(uploaded),
      event, ip: b.slice(84, 88), numWant: v.getInt32(92), port,
    });
  }
  if (action === 2) {
    const body = b.length - 16;
    if (body === 0 || body % 20 !== 0) return refuse('scrape needs whole 20-byte info hashes');
    if (body / 20 > maxScrapeHashes) return refuse(`at most ${maxScrapeHashes} info hashes per scrape`);
    const infoHashes: Uint8Array[] = [];
    for (let o = 16; o < b.length; o += 20) infoHashes.push(b.slice(o, o + 20));
    return E.right({ action: 'scrape', connectionId, transactionId, infoHashes });
  }
  return refuse('unknown action');
}

const clamp = (n: bigint): number => (n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n));

/** Connect reply: action 0, transaction id, connection id. */
export function udpConnectReply(transactionId: number, connectionId: Uint8Array): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32BE(0, 0);
  out.writeUInt32BE(transactionId, 4);
  out.set(connectionId.subarray(0, 8), 8);
  return out;
}

/**
 * Announce reply: action 1, transaction id, interval, leechers, seeders, then peers of one
 * address family: 6 bytes each for IPv4, 18 for IPv6 (BEP 15, "IPv6"). Peers of the other family
 * are skipped because the client cannot tell them apart.
 */
export function udpAnnounceReply(transactionId: number, intervalS: number, counts: SwarmCounts, peers: readonly PeerView[], ipv6: boolean): Buffer {
  const size = ipv6 ? 18 : 6;
  const fam = ipv6 ? 16 : 4;
  const mine = peers.filter((p) => p.endpoint.ipBytes.length === fam);
  const out = Buffer.alloc(20 + mine.length * size);
  out.writeUInt32BE(1, 0);
  out.writeUInt32BE(transactionId, 4);
  out.writeUInt32BE(intervalS, 8);
  out.writeUInt32BE(Math.min(counts.incomplete, 0xffffffff), 12);
  out.writeUInt32BE(Math.min(counts.complete, 0xffffffff), 16);
  let o = 20;
  for (const p of mine) {
    out.set(p.endpoint.ipBytes, o);
    out.writeUInt16BE(p.endpoint.port, o + fam);
    o += size;
  }
  return out;
}

/** Scrape reply: action 2, transaction id, then seeders, completed, leechers per hash. */
export function udpScrapeReply(transactionId: number, counts: readonly SwarmCounts[]): Buffer {
  const out = Buffer.alloc(8 + counts.length * 12);
  out.writeUInt32BE(2, 0);
  out.writeUInt32BE(transactionId, 4);
  counts.forEach((c, i) => {
    out.writeUInt32BE(Math.min(c.complete, 0xffffffff), 8 + i * 12);
    out.writeUInt32BE(Math.min(c.downloaded, 0xffffffff), 12 + i * 12);
    out.writeUInt32BE(Math.min(c.incomplete, 0xffffffff), 16 + i * 12);
  });
  return out;
}

/** Error reply: action 3, transaction id, message (BEP 15). */
export function udpErrorReply(transactionId: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const out = Buffer.alloc(8 + text.length);
  out.writeUInt32BE(3, 0);
  out.writeUInt32BE(transactionId, 4);
  out.set(text, 8);
  return out;
}
