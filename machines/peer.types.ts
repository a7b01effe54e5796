import type { Availability } from '../src/pieces/availability.js';
import type { Bitfield } from '../src/pieces/bitfield.js';
import type { PeerGate } from '../src/peers/peerGate.js';
import type { PeerPieces } from '../src/peers/peerPieces.js';
import type { DecodedExtendedHandshake, ExtensionError, OurExtendedHandshake, PexMessage, UtMetadataMessage } from '../src/extensions/index.js';
import type { Handshake, WireError, WireMessage } from '../src/wire/index.js';

/**
 * The peer machine's types: its input, context, the events it accepts and the commands it
 * gives its connection actor (see peer.machine.ts for the contract).
 */

/** Why a connection ended; `message` is one line for a person. */
export type CloseReason =
  | { readonly code: 'protocol'; readonly error: WireError; readonly message: string }
  | {
      readonly code: 'handshakeTimeout' | 'idleTimeout' | 'connectFailed' | 'remoteClosed' | 'socketError' | 'local' | 'extension';
      readonly message: string;
    };

/** Where the connection goes; the session's connection actor dials it or finds the accepted socket. */
export interface PeerAddress {
  readonly ip: string;
  readonly port: number;
}

/**
 * Per-connection input: plain data and the torrent's shared cores. The machine builds its own
 * per-connection cores (`pieces`, `gate`) from them and hands those to its connection actor.
 */
export interface PeerMachineInput {
  readonly infoHash: Uint8Array;
  /** Our own peer id (to detect connecting to ourselves). */
  readonly peerId: Uint8Array;
  readonly pieceCount: number;
  /** True when we dial; false for an accepted connection (already connected). */
  readonly outgoing: boolean;
  readonly endpoint?: PeerAddress;
  /** Reserved bytes we announce (default: fast extension and extension protocol, BEP 6 + BEP 10). */
  readonly reserved?: Uint8Array;
  /**
   * Our extended handshake (BEP 10), sent when both sides set the BEP 10 bit: the extensions we
   * take (`m`), `metadata_size` when we have the metadata (BEP 9). Default: ut_metadata only.
   */
  readonly extended?: OurExtendedHandshake;
  /**
   * Our DHT node's UDP port, only when it runs for this torrent (then `reserved` has the DHT
   * bit): sent in a BEP 5 `port` message, and the peer's `port` is passed on.
   */
  readonly dhtPort?: number;
  /** Whole-set announcements adding no piece allowed before the peer counts as abusive (default 8). */
  readonly maxAnnouncements?: number;
  /**
   * Pieces the peer may retract (BEP 54 lt_donthave of a piece it had announced) before it
   * counts as abusive (default: pieceCount + RETRACTION_ALLOWANCE, see peer.machine.ts).
   */
  readonly maxRetractions?: number;
  /** Our verified pieces (torrent-wide, shared): what we announce and what interest is counted against. */
  readonly have?: Bitfield;
  /** The torrent's availability counts this peer's pieces are added to. */
  readonly availability?: Availability;
}

/** What the machine tells its connection actor (write, close) and the data plane behind it. */
export type PeerCommand =
  | { readonly type: 'handshake'; readonly handshake: Handshake }
  | { readonly type: 'send'; readonly message: WireMessage }
  /** A `have` per index, in order, as one write (a batch of verified pieces, BEP 3). */
  | { readonly type: 'sendHaves'; readonly indices: readonly number[] }
  /**
   * Handshake done, gate open: the data plane may attach. `peerId`: the remote's, lowercase hex
   * (null only if no handshake was recorded, which the machine never does: then the connection
   * is not identified, never paired with others under an empty id).
   */
  | { readonly type: 'ready'; readonly client: string; readonly peerId: string | null }
  /** New reason to request: unchoked, became interested, more pieces, no longer snubbed. */
  | { readonly type: 'refill' }
  /** Our requests to this peer are void (it choked or snubs us): back to the pool. */
  | { readonly type: 'release' }
  /** The peer no longer has piece `index` (BEP 54 lt_donthave): our requests for it go back to the pool. */
  | { readonly type: 'peerLost'; readonly index: number }
  | { readonly type: 'uploadOpened' }
  | { readonly type: 'uploadClosed' }
  /** Its interest or snubbing changed: the choker may want to re-rank. */
  | { readonly type: 'candidacyChanged' }
  /** The peer's DHT node listens on this UDP port of its IP (BEP 5 `port`): our node may add it. */
  | { readonly type: 'dhtNode'; readonly port: number }
  | { readonly type: 'close'; readonly reason: CloseReason }
  /** The peer's extended handshake arrived (BEP 10; again when it sends another). */
  | { readonly type: 'extended'; readonly handshake: DecodedExtendedHandshake }
  /** A ut_metadata message from the peer (BEP 9): serve a request, or hand data to the fetch. */
  | { readonly type: 'metadataMessage'; readonly message: UtMetadataMessage }
  /** A ut_pex message from the peer (BEP 11), not more often than once a minute. */
  | { readonly type: 'pexMessage'; readonly message: PexMessage }
  /** Time to send this peer our next ut_pex message (BEP 11: at most once a minute). */
  | { readonly type: 'pexDue' };

/** What the connection actor is started with. */
export interface ConnectionInput {
  readonly outgoing: boolean;
  readonly endpoint: PeerAddress | undefined;
  readonly pieces: PeerPieces;
  readonly gate: PeerGate;
}

export interface PeerContext {
  readonly infoHash: Uint8Array;
  readonly ourPeerId: Uint8Array;
  readonly reserved: Uint8Array;
  readonly pieceCount: number;
  readonly outgoing: boolean;
  readonly endpoint: PeerAddress | undefined;
  readonly remotePeerId: string | null;
  readonly client: string;
  readonly theirReserved: Uint8Array | null;
  readonly maxAnnouncements: number;
  /** Pieces the peer retracted so far (lt_donthave of a piece it had announced). */
  readonly retractions: number;
  /** Retractions allowed; one more closes the connection as abusive. */
  readonly maxRetractions: number;
  /** Our extended handshake (BEP 10). */
  readonly extended: OurExtendedHandshake;
  /** The peer's latest extended handshake, once it sent one. */
  readonly theirExtended: DecodedExtendedHandshake | null;
  /** Extension name → the id the peer wants it under (what our outgoing messages carry). */
  readonly extensionIds: ReadonlyMap<string, number>;
  /** Our DHT node's UDP port, or null when no node runs for this torrent. */
  readonly dhtPort: number | null;
  readonly closeReason: CloseReason | null;
  readonly pieces: PeerPieces;
  readonly gate: PeerGate;
}

/** Events the machine accepts (see above). */
export type PeerEvent =
  | { type: 'CONNECTED' }
  | { type: 'CONNECT_FAILED'; message: string }
  | { type: 'HANDSHAKE_RECEIVED'; handshake: Handshake }
  | { type: 'PEER_CHOKE' }
  | { type: 'PEER_UNCHOKE' }
  | { type: 'PEER_INTERESTED' }
  | { type: 'PEER_NOT_INTERESTED' }
  /** One or more `have` messages, in order (the stream batches them: see streams/peerEvents.ts). */
  | { type: 'PEER_HAVES'; indices: readonly number[] }
  | { type: 'PEER_BITFIELD'; bitfield: Uint8Array }
  | { type: 'PEER_HAVE_ALL' }
  | { type: 'PEER_HAVE_NONE' }
  | { type: 'PEER_PORT'; port: number }
  | { type: 'ACTIVITY' }
  | { type: 'DATA_RECEIVED' }
  | { type: 'PROTOCOL_ERROR'; error: WireError }
  | { type: 'EXTENDED_HANDSHAKE_RECEIVED'; handshake: DecodedExtendedHandshake }
  | { type: 'PEER_METADATA'; message: UtMetadataMessage }
  | { type: 'PEER_PEX'; message: PexMessage }
  /** BEP 54 lt_donthave: the peer no longer has this piece (index already checked against the piece count). */
  | { type: 'PEER_DONT_HAVE'; index: number }
  | { type: 'EXTENSION_ERROR'; error: ExtensionError }
  | { type: 'SEND_EXTENDED'; extension: string; payload: Uint8Array }
  | { type: 'PEX_DUE' }
  | { type: 'PEX_QUIET_OVER' }
  | { type: 'SOCKET_CLOSED'; reason: CloseReason }
  | { type: 'CHOKE' }
  | { type: 'UNCHOKE' }
  /** Pieces we verified since the last batch (the data plane gathers them: one event per batch, not per piece and peer). */
  | { type: 'PIECES_VERIFIED'; indices: readonly number[] }
  /** A piece we had verified can no longer be read from disk: we lack it again. */
  | { type: 'WE_LOST'; index: number }
  | { type: 'REQUESTS_PENDING' }
  | { type: 'REQUESTS_DRAINED' }
  | { type: 'CLOSE'; message: string }
  | { type: 'KEEPALIVE_DUE' }
  | { type: 'IDLE_TIMEOUT' };
