import type { AnyActorRef } from 'xstate';
import type { PeerEndpoint } from '../peers/peerPool.js';
import { Bitfield } from '../pieces/bitfield.js';
import { RateMeter } from '../stats/rateMeter.js';
import type { BlockRef, WireMessage } from '../wire/messages.js';

/**
 * What the session keeps per connection, beside the peer machine: plain mutable data that the
 * block path updates at full speed (rates, the peer's pieces, upload queue). The machine owns
 * the protocol state; the copies of choke/interest flags here mirror its emitted events so the
 * hot path never has to read a snapshot.
 */
export interface PeerRecord {
  readonly id: string;
  readonly endpoint: PeerEndpoint;
  readonly outgoing: boolean;
  readonly actor: AnyActorRef;
  /** Writes a wire message to the socket (set once the link is up). */
  send: (message: WireMessage) => void;
  /** Whether the socket accepts more data now (backpressure). */
  writable: () => boolean;
  /** The peer's pieces, from its bitfield / have-all and later `have`s. */
  readonly bitfield: Bitfield;
  /** Pieces the peer has that we still lack: we are interested while this is above zero. */
  interesting: number;
  amInterested: boolean;
  amChoking: boolean;
  peerChoking: boolean;
  peerInterested: boolean;
  snubbed: boolean;
  /** Our request pipeline to this peer is non-empty (mirrors REQUESTS_PENDING/DRAINED). */
  requestsPending: boolean;
  handshaked: boolean;
  /** The first bitfield / have-all / have-none plus later ones that added no piece (see peerTraffic). */
  announcements: number;
  /** BEP 6 negotiated: rejects are sent instead of silently dropping requests. */
  fast: boolean;
  client: string;
  readonly down: RateMeter;
  readonly up: RateMeter;
  readonly connectedAt: number;
  /** Blocks that did not match any request slot; too many closes the connection. */
  invalidBlocks: number;
  /** Requests the peer made that we will serve, in order (bounded). */
  readonly uploadQueue: BlockRef[];
  serving: boolean;
  closed: boolean;
}

/** A fresh record for a connection that is just starting. */
export function newPeerRecord(
  id: string,
  endpoint: PeerEndpoint,
  outgoing: boolean,
  actor: AnyActorRef,
  pieceCount: number,
  now: number,
): PeerRecord {
  return {
    id,
    endpoint,
    outgoing,
    actor,
    send: () => undefined,
    writable: () => false,
    bitfield: new Bitfield(pieceCount),
    interesting: 0,
    amInterested: false,
    amChoking: true,
    peerChoking: true,
    peerInterested: false,
    snubbed: false,
    requestsPending: false,
    handshaked: false,
    announcements: 0,
    fast: false,
    client: '',
    down: new RateMeter(),
    up: new RateMeter(),
    connectedAt: now,
    invalidBlocks: 0,
    uploadQueue: [],
    serving: false,
    closed: false,
  };
}
