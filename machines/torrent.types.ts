import type { BanList } from '../src/peers/banList.js';
import type { PeerIdentities } from '../src/peers/peerIdentities.js';
import type { PeerEndpoint, PeerPool, PeerSource } from '../src/peers/peerPool.js';
import type { Culprit } from '../src/trust/smartBan.js';
import type { AnnounceMachineInput } from './announce.machine.js';
import type { ChokerInput } from './choker.machine.js';
import type { DhtAnnounceInput } from './dhtAnnounce.machine.js';

/**
 * The torrent machine's types: its input, context, the events it accepts and the events it
 * emits (see torrent.machine.ts for the contract).
 */

/** What the session starts a torrent machine with (the contract: torrent.machine.ts). */
export interface TorrentInput {
  readonly pieceCount: number;
  /** Most simultaneous peer connections (incoming + outgoing). */
  readonly maxPeers: number;
  /**
   * Input handed to every spawned peer actor, with `endpoint` and `outgoing` added per
   * connection. Plain data and shared core objects only: a peer machine builds its own
   * per-connection state from it (no factory functions in context).
   */
  readonly peerInput: object;
  /** Our own listen address(es), so trackers returning us are not dialled. */
  readonly self?: readonly PeerEndpoint[];
  /** Input for the invoked `choker` actor (its tunables; it reads peers through its own provided actor). */
  readonly chokerInput?: ChokerInput;
  /** Input for the invoked `announcer` actor (e.g. `noTrackers`). */
  readonly announcerInput?: AnnounceMachineInput;
  /** Input for the invoked `dhtAnnouncer` actor (default `{ disabled: true }`: no DHT). */
  readonly dhtInput?: DhtAnnounceInput;
  /** The session's ban list, shared by its torrents (a private one when omitted). */
  readonly bans?: BanList;
  /**
   * Our peer id (lowercase hex), for the rule that settles two connections to one peer the way
   * the peer settles them too (without it the older connection is kept).
   */
  readonly peerId?: string;
}

/** The machine's context: plain data and the cores its actions call (PeerPool, PeerIdentities). */
export interface TorrentContext {
  readonly pieceCount: number;
  readonly maxPeers: number;
  readonly peerInput: TorrentInput['peerInput'];
  readonly chokerInput: ChokerInput;
  readonly announcerInput: AnnounceMachineInput;
  readonly dhtInput: DhtAnnounceInput;
  /** Milliseconds of redial rounds while active: the clock of dial back-off. */
  readonly dialClock: number;
  readonly pool: PeerPool;
  readonly verified: number;
  /** The check found pieces missing and `completed` has not been announced yet (BEP 3: once). */
  readonly completionPending: boolean;
  /** Endpoint keys of spawned peer actors. */
  readonly peers: ReadonlySet<string>;
  /** Our peer id (hex), when given. */
  readonly peerId: string | undefined;
  /** Connections by remote peer id: the one kept per peer, and the duplicates being closed. */
  readonly identities: PeerIdentities;
  readonly error: string | undefined;
}

/** Events the machine accepts (see the contract in torrent.machine.ts). */
export type TorrentEvent =
  | { type: 'PEERS_DISCOVERED'; peers: readonly PeerEndpoint[]; source?: PeerSource }
  | { type: 'INCOMING_PEER'; endpoint: PeerEndpoint }
  /** Peer `id` (at `endpoint`, dialled by us when `outgoing`) completed its handshake: the remote's peer id (lowercase hex). */
  | { type: 'PEER_IDENTIFIED'; id: string; endpoint: PeerEndpoint; outgoing: boolean; peerId: string }
  /** Peer `id`'s extended handshake says it listens on `port` (BEP 10 `p`), on the connection's IP. */
  | { type: 'PEER_LISTENS'; id: string; port: number }
  | { type: 'PEER_CLOSED'; id: string; endpoint: PeerEndpoint; failed: boolean }
  /** Pieces verified since the last batch (at most every few tens of ms; the last piece at once), with the smart-ban verdicts they carried. */
  | { type: 'PIECES_VERIFIED'; indices: readonly number[]; culprits?: readonly Culprit[] }
  | { type: 'PIECE_FAILED'; index: number; culprits: readonly Culprit[] }
  /** A verified piece can no longer be read from disk (truncated, replaced, unreadable): it is missing again. */
  | { type: 'PIECE_LOST'; index: number }
  /** The data plane caught a peer abusing the protocol (bounded counters ran out): ban its IP. */
  | { type: 'PEER_MISBEHAVED'; culprits: readonly Culprit[] }
  | { type: 'STORAGE_ERROR'; message: string }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'STOP' };

/** Events the machine emits to the session that subscribes. */
export type TorrentEmitted =
  | { type: 'dial'; id: string; endpoint: PeerEndpoint; source: PeerSource }
  | { type: 'rejectIncoming'; endpoint: PeerEndpoint }
  | { type: 'ban'; ip: string; reason: string; peerIds: readonly string[] }
  | { type: 'completed' }
  | { type: 'stopped' }
  | { type: 'failed'; message: string }
  | { type: 'storageFailed'; message: string };
