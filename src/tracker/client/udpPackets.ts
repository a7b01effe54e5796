/**
 * BEP 15 (UDP tracker protocol) packets: building requests and checking the size and shape of
 * every reply before reading a field. All integers are big-endian.
 */
import type { AnnounceEvent, AnnounceRequest, PeerAddress } from '../types.js';
import { COMPACT_PEER4_BYTES, COMPACT_PEER6_BYTES, parseCompactPeers4, parseCompactPeers6 } from './compactPeers.js';

/** The magic `protocol_id` of a connect request (BEP 15). */
export const UDP_PROTOCOL_ID = 0x41727101980n;

/** BEP 15 actions. */
export const UdpAction = { connect: 0, announce: 1, scrape: 2, error: 3 } as const;

/** BEP 15 event codes: none 0, completed 1, started 2, stopped 3. */
const EVENT_CODE: Record<AnnounceEvent, number> = { empty: 0, completed: 1, started: 2, stopped: 3 };

/** A connect request (16 bytes). */
export function encodeConnectRequest(transactionId: number): Uint8Array {
  const buf = new Uint8Array(16);
  const v = new DataView(buf.buffer);
  v.setBigUint64(0, UDP_PROTOCOL_ID);
  v.setUint32(8, UdpAction.connect);
  v.setUint32(12, transactionId >>> 0);
  return buf;
}

const u64 = (n: number): bigint => BigInt(Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)));

/** An announce request (98 bytes); `connectionId` is the 8 bytes a connect reply gave. */
export function encodeAnnounceRequest(connectionId: Uint8Array, transactionId: number, req: AnnounceRequest): Uint8Array {
  const buf = new Uint8Array(98);
  const v = new DataView(buf.buffer);
  buf.set(connectionId.subarray(0, 8), 0);
  v.setUint32(8, UdpAction.announce);
  v.setUint32(12, transactionId >>> 0);
  buf.set(req.infoHash.subarray(0, 20), 16);
  buf.set(req.peerId.subarray(0, 20), 36);
  v.setBigUint64(56, u64(req.downloaded));
  v.setBigUint64(64, u64(req.left));
  v.setBigUint64(72, u64(req.uploaded));
  v.setUint32(80, EVENT_CODE[req.event]);
  v.setUint32(84, 0); // IP address: 0 = the sender's
  v.setUint32(88, (req.key ?? 0) >>> 0);
  v.setInt32(92, req.numwant ?? -1); // -1 = tracker default
  v.setUint16(96, req.port & 0xffff);
  return buf;
}

/** A reply, already checked against the expected transaction id and sizes. */
export type UdpReply =
  | { readonly _tag: 'connect'; readonly connectionId: Uint8Array }
  | {
      readonly _tag: 'announce';
      readonly interval: number;
      readonly leechers: number;
      readonly seeders: number;
      readonly peers: PeerAddress[];
    }
  | { readonly _tag: 'error'; readonly message: string }
  /** Not for us (too short to carry a transaction id, or another transaction's): ignore. */
  | { readonly _tag: 'ignore' }
  /** Ours, but malformed: the tracker is broken. */
  | { readonly _tag: 'invalid'; readonly reason: string };

/** The reason given for a header-only announce reply. */
export const REFUSED_HEADER_ONLY = 'announce refused (header-only reply: the tracker does not serve this torrent)';

/** Longest error message we keep from a tracker, bytes. */
const MAX_ERROR_MESSAGE = 1024;

/**
 * Decodes a datagram that should answer transaction `transactionId`. `peerFamily` says how
 * the announce peers are packed: 6 bytes over IPv4, 18 over IPv6 (BEP 15 "IPv6"); at most
 * `maxPeers` of them are taken.
 */
export function decodeUdpReply(packet: Uint8Array, transactionId: number, peerFamily: 4 | 6, maxPeers = Infinity): UdpReply {
  if (packet.length < 8) return { _tag: 'ignore' };
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (v.getUint32(4) !== transactionId >>> 0) return { _tag: 'ignore' };
  const action = v.getUint32(0);
  switch (action) {
    case UdpAction.connect:
      if (packet.length < 16) return { _tag: 'invalid', reason: `connect reply of ${packet.length} bytes (need 16)` };
      return { _tag: 'connect', connectionId: packet.slice(8, 16) };
    case UdpAction.announce: {
      // opentracker answers an announce for a torrent it does not serve (whitelist mode) with
      // just the 8-byte header: no interval, so no success; read it as a refusal.
      if (packet.length === 8) return { _tag: 'error', message: REFUSED_HEADER_ONLY };
      if (packet.length < 20) return { _tag: 'invalid', reason: `announce reply of ${packet.length} bytes (need at least 20)` };
      const list = packet.subarray(20);
      const parsed = peerFamily === 6 ? parseCompactPeers6(list, maxPeers) : parseCompactPeers4(list, maxPeers);
      if (parsed._tag === 'Left') {
        const unit = peerFamily === 6 ? COMPACT_PEER6_BYTES : COMPACT_PEER4_BYTES;
        return { _tag: 'invalid', reason: `announce reply peer list of ${list.length} bytes is not a multiple of ${unit}` };
      }
      return {
        _tag: 'announce',
        interval: v.getUint32(8),
        leechers: v.getUint32(12),
        seeders: v.getUint32(16),
        peers: parsed.right,
      };
    }
    case UdpAction.error: {
      const msg = packet.subarray(8, 8 + MAX_ERROR_MESSAGE);
      return { _tag: 'error', message: new TextDecoder().decode(msg) || 'unspecified error' };
    }
    default:
      return { _tag: 'invalid', reason: `unknown action ${action}` };
  }
}
