import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { parseUdpRequest, udpAnnounceReply, udpConnectReply, udpErrorReply, udpScrapeReply } from './udpPackets.js';
import { resolvePeerIp } from './peerAddressPolicy.js';
import { ipFromBytes, parseIp } from '../../peers/ipAddress.js';
import type { ConnectionIds } from './connectionIds.js';
import type { TrackerService } from './trackerService.js';

/**
 * Answers one BEP 15 datagram; returns the reply, or `undefined` to drop it. Pure apart from the
 * service it records into, so tests can drive it without sockets. Never throws.
 */
export function answerUdpPacket(service: TrackerService, ids: ConnectionIds, packet: Uint8Array, from: RemoteInfo): Buffer | undefined {
  const parsed = parseUdpRequest(packet, service.limits.maxScrapeHashes);
  if (E.isLeft(parsed)) {
    const { transactionId, reason } = parsed.left;
    service.reject('udp', from.address, reason);
    return transactionId === undefined ? undefined : udpErrorReply(transactionId, reason);
  }
  const req = parsed.right;
  if (req.action === 'connect') return udpConnectReply(req.transactionId, ids.issue(from.address, from.port));
  if (!ids.verify(req.connectionId, from.address, from.port)) {
    return udpErrorReply(req.transactionId, service.reject('udp', from.address, 'connection id unknown or expired; connect again'));
  }
  if (req.action === 'scrape') {
    return udpScrapeReply(req.transactionId, service.scrape(req.infoHashes, 'udp').map(([, c]) => c));
  }
  const claimed = req.ip.every((x) => x === 0) ? undefined : ipFromBytes(req.ip);
  const ip = resolvePeerIp(from.address, claimed);
  if (ip === undefined) return undefined;
  const limits = service.limits;
  const outcome = service.announce({
    infoHash: req.infoHash,
    peerId: req.peerId,
    endpoint: { ip: ip.ip, ipBytes: ip.bytes, port: req.port },
    uploaded: req.uploaded,
    downloaded: req.downloaded,
    left: req.left,
    event: req.event,
    numwant: req.numWant < 0 ? limits.defaultNumwant : Math.min(req.numWant, limits.maxNumwant),
  }, 'udp');
  if (E.isLeft(outcome)) return udpErrorReply(req.transactionId, outcome.left);
  // The reply's peer size follows the address family the request came over (BEP 15, "IPv6").
  const viaIpv6 = parseIp(from.address)?.bytes.length === 16;
  return udpAnnounceReply(req.transactionId, service.intervalS, outcome.right.counts, outcome.right.peers, viaIpv6);
}

/** Binds the UDP front on `host:port` (0 picks a free port); resolves once bound. */
export function listenUdpTracker(service: TrackerService, ids: ConnectionIds, host: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  socket.on('message', (msg, rinfo) => {
    let reply: Buffer | undefined;
    try {
      reply = answerUdpPacket(service, ids, msg, rinfo);
    } catch {
      reply = undefined; // a bug costs one datagram, never the tracker
    }
    if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address, () => undefined);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      // Send errors (e.g. ICMP unreachable) are per datagram; never let them end the process.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
