import type { Either } from 'fp-ts/lib/Either.js';
import type { PeerEvent } from '../machines/peer.machine.js';
import type { PeerEncryption } from '../src/mse/mseTypes.js';
import type { PeerEndpoint } from '../src/peers/peerPool.js';
import type { PeerGate } from '../src/peers/peerGate.js';
import type { PeerPieces } from '../src/peers/peerPieces.js';
import type { Bitfield } from '../src/pieces/bitfield.js';
import { RateMeter } from '../src/stats/rateMeter.js';
import type { StorageError } from '../src/storage/storageError.js';
import { blockRefMessage, type BlockRef, type BlockRefMessageType, type WireMessage } from '../src/wire/messages.js';

/**
 * What the data plane keeps per connection: plain mutable data the block path updates at full
 * speed (rates, upload queue, counters). Protocol state is the peer machine's alone; the block
 * path reads what it may do from `gate` (written only by the machine's actions) and the peer's
 * pieces from `pieces` (updated only by the machine's actions).
 */
export interface PeerRecord {
  readonly id: string;
  readonly endpoint: PeerEndpoint;
  readonly outgoing: boolean;
  readonly gate: PeerGate;
  readonly pieces: PeerPieces;
  /** The peer's pieces (the picker's view of them). */
  readonly bitfield: Bitfield;
  /**
   * Writes a wire message to the socket; `written` (when given) runs once the socket no longer
   * holds the message's bytes (see `WireSocket.send`), e.g. to recycle a block's buffer.
   */
  send: (message: WireMessage, written?: () => void) => void;
  /** Sends one `type` message per reference, in order; a connection writes them as one buffer. By default, one {@link send} each. */
  sendBlockRefs: (type: BlockRefMessageType, refs: readonly BlockRef[]) => void;
  /** Tells the peer machine something the data plane saw (pipeline edges, misbehaviour). */
  notify: (event: PeerEvent) => void;
  /** Whether the socket accepts more data now (backpressure). */
  writable: () => boolean;
  /** Bytes handed to the socket (or queued for it) and not yet written out. */
  unsentBytes: () => number;
  /** Stops (true) or restarts (false) reading the socket: the downloader's hard cap on memory. */
  pauseReads: (paused: boolean) => void;
  /** Our request pipeline to this peer is non-empty: the last edge told to the machine. */
  pipelineBusy: boolean;
  readonly down: RateMeter;
  readonly up: RateMeter;
  readonly connectedAt: number;
  /** Blocks that did not match any request slot; too many closes the connection. */
  invalidBlocks: number;
  /** Requests refused (choked, invalid, queue full) since we last unchoked the peer. */
  refusedRequests: number;
  /** BEP 6 rejects of our requests since the peer last sent a block. */
  rejectsInARow: number;
  /** Requests the peer made that we will serve, in order (bounded). */
  readonly uploadQueue: BlockRef[];
  /** Runs of requests taken from {@link uploadQueue} whose disk reads are in flight or not yet sent, in order. */
  readonly uploadReads: UploadRead[];
  closed: boolean;
  /** How the connection is carried (MSE/PE), known once the handshake is done. */
  encryption: PeerEncryption;
  /** The port it listens on, from its extended handshake (BEP 10 `p`): for a peer that dialled us, the only way to know. */
  listenPort: number | undefined;
}

/** One run of consecutive requests being read from disk for a peer (see `UploadFlow`). */
export interface UploadRead {
  readonly run: readonly BlockRef[];
  /** Where the run is read to: a pooled buffer, given back once the socket wrote it out. */
  readonly buffer: Uint8Array;
  /** The read's outcome once it settled. */
  result: Either<StorageError, Uint8Array> | undefined;
}

/** A fresh record for a connection that is just starting. */
export function newPeerRecord(
  id: string,
  endpoint: PeerEndpoint,
  outgoing: boolean,
  cores: { readonly gate: PeerGate; readonly pieces: PeerPieces },
  now: number,
): PeerRecord {
  return {
    id,
    endpoint,
    outgoing,
    gate: cores.gate,
    pieces: cores.pieces,
    bitfield: cores.pieces.bitfield,
    send: () => undefined,
    sendBlockRefs(type, refs) {
      for (const r of refs) this.send(blockRefMessage(type, r));
    },
    notify: () => undefined,
    writable: () => false,
    unsentBytes: () => 0,
    pauseReads: () => undefined,
    pipelineBusy: false,
    down: new RateMeter(),
    up: new RateMeter(),
    connectedAt: now,
    invalidBlocks: 0,
    refusedRequests: 0,
    rejectsInARow: 0,
    uploadQueue: [],
    uploadReads: [],
    closed: false,
    encryption: 'none',
    listenPort: undefined,
  };
}
