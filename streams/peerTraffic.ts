import type { CloseReason, PeerCommand } from '../machines/peer.machine.js';
import type { PeerEndpoint } from '../src/peers/peerPool.js';
import { blockRefMessage, type WireMessage } from '../src/wire/index.js';
import type { DownloadFlow } from './downloadFlow.js';
import type { ConnectionLink, ConnectionPlane } from './peerConnection.js';
import { newPeerRecord, type PeerRecord } from './peerRecord.js';
import type { UploadFlow } from './uploadFlow.js';

/** Torrent-wide pieces of the data plane one connection plugs into. */
export interface TrafficDeps {
  readonly download: DownloadFlow;
  readonly upload: UploadFlow;
  /** The record exists (before the handshake): register it. */
  readonly opened: (peer: PeerRecord) => void;
  /** The handshake completed; `peerId`: the remote's (lowercase hex), null when unknown. */
  readonly ready: (peer: PeerRecord, client: string, peerId: string | null) => void;
  /** Someone's interest or snubbing changed: the choker may want to decide early. */
  readonly peersChanged: () => void;
  /** The connection is over (after this record has been cleaned out of the data plane). */
  readonly closed: (peer: PeerRecord, reason: CloseReason) => void;
  /** Sees data-plane messages we send (requests, pieces, haves, cancels), e.g. for traces. */
  readonly onSend?: (message: WireMessage) => void;
  readonly now: () => number;
}

/**
 * Joins one connection to the torrent's data plane: frames carrying data (`piece`, `request`,
 * `cancel`, `reject`) go straight to the flows; the peer machine's notices (refill, release,
 * a piece the peer lost, upload opened/closed) drive them. Protocol state stays in the
 * machine; this only acts on it.
 */
export function attachPeerTraffic(id: string, endpoint: PeerEndpoint, link: ConnectionLink, deps: TrafficDeps): ConnectionPlane {
  const { download, upload } = deps;
  const peer = newPeerRecord(id, endpoint, link.input.outgoing, link.input, deps.now());
  const onSend = deps.onSend;
  peer.send =
    onSend === undefined
      ? (message, written) => {
          link.wire.send(message, written);
        }
      : (message, written) => {
          onSend(message);
          link.wire.send(message, written);
        };
  peer.sendBlockRefs =
    onSend === undefined
      ? (type, refs) => {
          link.wire.sendBlockRefs(type, refs);
        }
      : (type, refs) => {
          for (const r of refs) onSend(blockRefMessage(type, r));
          link.wire.sendBlockRefs(type, refs);
        };
  peer.notify = link.notify;
  let writable = true;
  // false from the moment the socket is gone: its cancelled writes' callbacks (which start the
  // next upload reads) run before the machine hears of the close
  peer.writable = () => writable && !link.wire.finished;
  peer.unsentBytes = () => link.wire.unsentBytes;
  peer.pauseReads = (paused) => link.wire.pauseReading(paused);
  deps.opened(peer);

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

  return {
    command(command: PeerCommand): void {
      switch (command.type) {
        case 'ready':
          deps.ready(peer, command.client, command.peerId);
          deps.peersChanged();
          return;
        case 'refill':
          download.refill(peer);
          return;
        case 'release':
          // its requests go back to the pool; a snubbed peer keeps a shallow pipeline (its
          // rate is ~0 now), so a peer that only dropped one request can still recover
          download.release(peer);
          download.refill(peer);
          return;
        case 'peerLost':
          // BEP 54: its requests for that piece go to other peers; it may still serve others
          download.peerLost(peer, command.index);
          download.refill(peer);
          return;
        case 'uploadOpened':
          peer.refusedRequests = 0;
          upload.onWritable(peer);
          return;
        case 'uploadClosed':
          upload.onChoked(peer);
          return;
        case 'candidacyChanged':
          deps.peersChanged();
          return;
        default:
          return;
      }
    },
    closed(reason: CloseReason): void {
      peer.closed = true;
      sub.unsubscribe();
      download.release(peer);
      peer.uploadQueue.length = 0;
      deps.closed(peer, reason);
    },
  };
}
