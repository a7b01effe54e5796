import type { PeerEncryption } from '../mse/mseTypes.js';
import type { PeerSource } from '../peers/peerPool.js';

/** Lifecycle states a torrent reports (the torrent machine's, flattened for display). */
export type TorrentState = 'fetchingMetadata' | 'checking' | 'downloading' | 'seeding' | 'paused' | 'stopping' | 'stopped' | 'error';

/** A snapshot of one torrent for progress displays; emitted about once a second. */
export interface TorrentProgress {
  readonly infoHashHex: string;
  readonly name: string;
  readonly state: TorrentState;
  readonly pieceCount: number;
  readonly verifiedPieces: number;
  /** Pieces hash-checked so far during `checking`. */
  readonly checkedPieces: number;
  readonly totalBytes: number;
  readonly verifiedBytes: number;
  /** Bytes/s, averaged over a few seconds. */
  readonly downloadRate: number;
  readonly uploadRate: number;
  /** Payload bytes received / sent in this session. */
  readonly downloaded: number;
  readonly uploaded: number;
  readonly peers: number;
  /** Seconds left at the current rate; undefined when unknown or done. */
  readonly etaSeconds: number | undefined;
  /** While `fetchingMetadata` (a magnet link, BEP 9): metadata pieces held and needed (0 until a peer said). */
  readonly metadata?: { readonly received: number; readonly total: number };
}

/** Where a connected peer came from: a candidate's source, or it dialled us. */
export type ConnectedPeerSource = PeerSource | 'incoming';

/** Things worth telling a user or a log, one at a time. */
export type TorrentEvent =
  | { readonly type: 'checked'; readonly verifiedPieces: number }
  | { readonly type: 'announced'; readonly peers: number; readonly seeders?: number; readonly leechers?: number }
  | { readonly type: 'trackerError'; readonly message: string }
  | { readonly type: 'trackerWarning'; readonly message: string }
  /** `encryption`: how the connection is carried (MSE/PE), `none` for a plain handshake. */
  | { readonly type: 'peerConnected'; readonly id: string; readonly client: string; readonly source?: ConnectedPeerSource; readonly encryption?: PeerEncryption }
  /** Peer addresses learnt from a source other than the trackers: `pex` (BEP 11, from peer `from`). */
  | { readonly type: 'peersDiscovered'; readonly source: 'pex'; readonly from: string; readonly peers: number }
  /** A DHT lookup for the torrent ended (BEP 5), having given this many peers. */
  | { readonly type: 'dhtLookup'; readonly peers: number }
  | { readonly type: 'peerClosed'; readonly id: string; readonly reason: string }
  | { readonly type: 'pieceVerified'; readonly index: number }
  | { readonly type: 'pieceFailed'; readonly index: number }
  /** A peer failed the metadata exchange (BEP 9: rejected, timed out, sent bad pieces or lying metadata); it was closed. */
  | { readonly type: 'peerPenalised'; readonly id: string; readonly reason: string; readonly message: string }
  /** The magnet link's metadata arrived and verified; it was saved as a .torrent at `torrentPath`. */
  | { readonly type: 'metadataFetched'; readonly name: string; readonly torrentPath: string }
  /**
   * A verified piece could not be read back while seeding (file truncated, replaced or
   * unreadable): it is no longer offered to peers; a recheck finds what is left.
   */
  | { readonly type: 'pieceLost'; readonly index: number; readonly message: string }
  /** A peer IP proven to have sent bad data, banned for the rest of the session. */
  | { readonly type: 'banned'; readonly ip: string; readonly reason: string }
  | { readonly type: 'completed' }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'stopped' };
