/**
 * Which of two connections to the same remote peer to close: a pure decision.
 *
 * BEP 3 lets either side dial, so two clients that learn of each other at about the same time
 * (a tracker reply, a PEX message, the DHT) dial each other ("crossed dials"), and a peer
 * known under two addresses can be dialled twice. Both connections would then do the full
 * work: two bitfields, two sets of requests, two upload slots for one peer. Real clients keep
 * one connection per peer id and torrent; so do we, once the handshake has named the peer id.
 *
 * Peer ids are public (every handshake carries one, and a tracker may list them), so a peer id
 * alone proves nothing: anyone can present an honest peer's id. Crossed dials join the same two
 * hosts, so the direction rule below applies only to two connections from one IP.
 */
import { parseIp } from './ipAddress.js';

/** What the rule looks at in each of the two connections. */
export interface ConnectionOrigin {
  /** True when we dialled it. */
  readonly outgoing: boolean;
  /** The remote IP (IPv4-mapped IPv6 counts as its IPv4 form). */
  readonly ip: string;
}

/**
 * The connection to close when two connections of one torrent reached the same peer id,
 * `older` having completed its handshake first. Peer ids are lowercase hex of the 20 bytes,
 * so comparing the strings compares the bytes.
 *
 * - Same IP, one dialled by us, one by them (crossed dials): keep the one dialled by the side
 *   with the higher peer id. Each side sees both peer ids and both directions, so a client
 *   with the same rule closes the same TCP connection whichever handshake it happened to see
 *   first, and never both. It is libtorrent's rule for duplicate peer ids
 *   (bt_peer_connection.cpp), which anacrolix/torrent follows too; "keep the older" would not
 *   do: each side can see a different connection complete first.
 * - Two IPs: keep the older. Without this, anyone who copied an honest peer's id could dial us
 *   from elsewhere and, with the direction rule, make us drop the honest connection (and hold
 *   its address back while the impostor's ran). The older one already carries state.
 * - Both dialled by the same side (a peer under two addresses, or one dialling us twice):
 *   there is no direction to agree on, and clients differ here (libtorrent may keep the newer,
 *   anacrolix keeps the existing one). We keep the older: it already carries state (bitfield,
 *   unchoke, requests in flight). If the peer closes the other one, both end; the torrent
 *   dials the peer again after the usual retry delay, so the worst case is one reconnect.
 * - Without our own peer id (a caller that gave none) there is nothing to compare: the older.
 */
export function duplicateToClose(
  ourPeerId: string | undefined,
  theirPeerId: string,
  older: ConnectionOrigin,
  newer: ConnectionOrigin,
): 'older' | 'newer' {
  if (older.outgoing === newer.outgoing || !sameIp(older.ip, newer.ip) || ourPeerId === undefined || ourPeerId === theirPeerId) return 'newer';
  const keepOutgoing = ourPeerId > theirPeerId;
  return newer.outgoing === keepOutgoing ? 'older' : 'newer';
}

const normalIp = (ip: string): string => parseIp(ip)?.ip ?? ip;
const sameIp = (a: string, b: string): boolean => a === b || normalIp(a) === normalIp(b);
