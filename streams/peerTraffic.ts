import type { Subscription } from 'rxjs';
import type { Availability } from '../src/pieces/availability.js';
import type { Bitfield } from '../src/pieces/bitfield.js';
import type { PeerRecord } from '../src/session/peerRecord.js';
import { fastNegotiated, ourReserved, type WireMessage } from '../src/wire/index.js';
import type { CloseReason } from '../machines/peer.machine.js';
import type { DownloadFlow } from './downloadFlow.js';
import type { PeerLink } from './peerLink.js';
import type { UploadFlow } from './uploadFlow.js';

/** Whole-set announcements (bitfield, have-all, have-none) adding no piece one connection may make. */
const MAX_ANNOUNCEMENTS = 8;

/** Torrent-wide pieces of the data plane one connection plugs into. */
export interface TrafficDeps {
  readonly have: Bitfield;
  readonly availability: Availability;
  readonly download: DownloadFlow;
  readonly upload: UploadFlow;
  /** The peer set or someone's interest changed: the choker may want to decide early. */
  readonly peersChanged: () => void;
  /** The connection is over (after this record has been cleaned out of the data plane). */
  readonly closed: (peer: PeerRecord, reason: CloseReason) => void;
  /** Sees data-plane messages we send (requests, pieces, haves, cancels), e.g. for traces. */
  readonly onSend?: (message: WireMessage) => void;
}

/**
 * Joins one connection's link to the torrent's data plane. Frames carrying data (`piece`,
 * `request`, `cancel`, `reject`) go straight to the flows; the peer machine's emitted events
 * (handshake done, choke/interest changes, have/bitfield, snubbing) update the record and
 * availability. Returns the subscription that undoes it.
 */
export function attachPeerTraffic(link: PeerLink, peer: PeerRecord, deps: TrafficDeps): Subscription {
  const { have, availability, download, upload } = deps;
  const onSend = deps.onSend;
  peer.send =
    onSend === undefined
      ? (message) => {
          link.wire.send(message);
        }
      : (message) => {
          onSend(message);
          link.wire.send(message);
        };
  let writable = true;
  peer.writable = () => writable;

  const updateInterest = (): void => {
    const want = peer.interesting > 0;
    if (want === peer.amInterested) return;
    peer.amInterested = want;
    peer.actor.send({ type: want ? 'INTERESTED' : 'NOT_INTERESTED' });
    if (want) download.refill(peer);
  };
  const gained = (index: number): void => {
    availability.addHave(index);
    if (!have.has(index)) {
      peer.interesting++;
      if (peer.amInterested) download.refill(peer);
      else updateInterest();
    }
  };
  /**
   * BEP 3 / BEP 6 say a peer announces its pieces once, right after the handshake, but real
   * clients do not always (aria2 1.36 sends have-none, then a full bitfield later): a later
   * announcement replaces the peer's set, availability adjusted bit by bit so it stays
   * symmetric with the removal at close. aria2 sends a bitfield whenever that is shorter than
   * the `have`s it replaces, a dozen times per download under load: news, never counted. A
   * bitfield costs its sender a byte per 8 pieces we pass over, like any message; a 5-byte
   * have-all/have-none costs us a pass over every piece, and every second one of those adds
   * nothing. So announcements that add no piece (plus the first) are counted, and past a few
   * the peer is closed.
   */
  const announced = (isSet: (i: number) => boolean): void => {
    if (peer.announcements >= MAX_ANNOUNCEMENTS) {
      peer.actor.send({ type: 'CLOSE', message: `peer announced its pieces more than ${MAX_ANNOUNCEMENTS} times` });
      return;
    }
    const wasInterested = peer.amInterested;
    let news = false;
    for (let i = 0; i < peer.bitfield.length; i++) {
      if (isSet(i)) {
        if (peer.bitfield.set(i)) {
          news = true;
          availability.addHave(i);
          if (!have.has(i)) peer.interesting++;
        }
      } else if (peer.bitfield.clear(i)) {
        availability.removeHave(i);
        if (!have.has(i)) peer.interesting--;
      }
    }
    if (!news || peer.announcements === 0) peer.announcements++;
    if (wasInterested && peer.interesting > 0) download.refill(peer);
    else updateInterest();
  };

  const sub = link.frames$.subscribe((f) => {
    if (f.kind !== 'message') return;
    const m = f.message;
    switch (m.type) {
      case 'piece':
        download.onBlock(peer, m.index, m.begin, m.block);
        break;
      case 'request':
        upload.onRequest(peer, m);
        break;
      case 'cancel':
        upload.onCancel(peer, m);
        break;
      case 'reject':
        download.onReject(peer, m.index, m.begin, m.length);
        break;
      default:
        break;
    }
  });
  sub.add(
    link.wire.writable$.subscribe((w) => {
      writable = w;
      if (w) upload.onWritable(peer);
    }),
  );

  const a = link.actor;
  const offs = [
    a.on('handshakeComplete', (e) => {
      peer.handshaked = true;
      peer.client = e.client;
      peer.fast = fastNegotiated(ourReserved(), e.reserved);
      // BEP 3: the bitfield goes first, and only when we have something; BEP 6 has shorthands.
      if (peer.fast && have.isComplete) peer.send({ type: 'haveAll' });
      else if (have.count > 0) peer.send({ type: 'bitfield', bitfield: have.toBytes() });
      else if (peer.fast) peer.send({ type: 'haveNone' });
      deps.peersChanged();
    }),
    a.on('send', (e) => {
      if (e.message.type === 'choke') {
        peer.amChoking = true;
        upload.onChoked(peer);
      } else if (e.message.type === 'unchoke') {
        peer.amChoking = false;
        upload.onWritable(peer);
      }
    }),
    a.on('peerChoked', () => {
      peer.peerChoking = true;
      download.release(peer);
    }),
    a.on('peerUnchoked', () => {
      peer.peerChoking = false;
      download.refill(peer);
    }),
    a.on('peerInterested', () => {
      peer.peerInterested = true;
      deps.peersChanged();
    }),
    a.on('peerNotInterested', () => {
      peer.peerInterested = false;
      deps.peersChanged();
    }),
    a.on('peerHave', (e) => {
      if (peer.bitfield.set(e.index)) gained(e.index);
    }),
    a.on('peerBitfield', (e) => {
      const bytes = e.bitfield;
      announced((i) => (bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0);
    }),
    a.on('peerHaveAll', () => announced(() => true)),
    a.on('peerHaveNone', () => announced(() => false)),
    a.on('snubbed', () => {
      peer.snubbed = true;
      // its requests go back to the pool for other peers; it keeps a shallow pipeline (its
      // rate is ~0 now), so a peer that only dropped one request can still recover
      download.release(peer);
      download.refill(peer);
    }),
    a.on('unsnubbed', () => {
      peer.snubbed = false;
      download.refill(peer);
    }),
  ];
  sub.add(() => {
    for (const off of offs) off.unsubscribe();
  });

  void link.closed.then((reason) => {
    peer.closed = true;
    sub.unsubscribe();
    availability.removePeer(peer.bitfield);
    download.release(peer);
    peer.uploadQueue.length = 0;
    deps.closed(peer, reason);
  });
  return sub;
}

/** After we verify `index`: tell peers that lack it, and drop interest in peers that only had that. */
export function announceVerified(index: number, peers: Iterable<PeerRecord>): void {
  for (const p of peers) {
    if (p.closed || !p.handshaked) continue;
    if (p.bitfield.has(index)) {
      p.interesting--;
      if (p.interesting === 0 && p.amInterested) {
        p.amInterested = false;
        p.actor.send({ type: 'NOT_INTERESTED' });
      }
    } else {
      // have suppression: a peer that has the piece gains nothing from hearing about it
      p.send({ type: 'have', index });
    }
  }
}
