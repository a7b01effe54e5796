import type { Observable } from 'rxjs';
import type { StepCause } from '../trace/stepCause.js';
import type { PeerEncryption } from '../mse/mseTypes.js';

export type { StepCause } from '../trace/stepCause.js';

/**
 * What the live inspector may see of one running torrent: read-only snapshots of its machines
 * and data-plane cores, and the stream of machine steps. The inspector's server and page know
 * only this interface, never the runtime's internals; the runtime implements it
 * (torrentInspection.ts). Nothing here can change the torrent.
 */
export interface InspectorSource {
  readonly infoHashHex: string;
  readonly name: string;
  /** Everything the page draws besides the transitions, read now. Cheap enough for a few times a second. */
  snapshot(): InspectorSnapshot;
  /**
   * Every step of every machine actor of the torrent (torrent, announce, choker, peers) while
   * subscribed. Observing starts on the first subscription and stops with the last, so a torrent
   * nobody inspects pays nothing. Steps are raw (event and state value not yet copied): a
   * consumer that keeps them should keep only a bounded number.
   */
  readonly steps$: Observable<MachineStep>;
}

/** One machine step: the event it processed and the state after it. */
export interface MachineStep {
  /** Milliseconds since the Unix epoch. */
  readonly at: number;
  /** The actor: its system id (a peer's `ip:port`, `announce`, `choker`) or `torrent` for the root. */
  readonly actor: string;
  /** Machine id (`peer`, `torrent`, ...): names the diagram. */
  readonly machine: string;
  readonly event: { readonly type: string };
  readonly cause: StepCause;
  /** The state value after the step (XState's `snapshot.value`). */
  readonly value: unknown;
  readonly status: string;
}

/** A machine actor as it is now. */
export interface MachineNow {
  readonly actor: string;
  readonly machine: string;
  readonly value: unknown;
  readonly status: string;
}

/** Where we heard of a peer. */
export type PeerSource = 'tracker' | 'incoming' | 'manual' | 'pex' | 'dht';

/** One connection, as the peer table shows it. */
export interface PeerRow {
  /** `ip:port`, also the peer machine's actor id. */
  readonly id: string;
  readonly client: string;
  /** How the connection is carried: `none`, `mse-plaintext` or `mse-rc4` (MSE/PE). */
  readonly encryption: PeerEncryption;
  readonly outgoing: boolean;
  readonly source: PeerSource;
  /** The four BEP 3 flags, read from the peer machine's regions. */
  readonly amChoking: boolean;
  readonly amInterested: boolean;
  readonly peerChoking: boolean;
  readonly peerInterested: boolean;
  readonly snubbed: boolean;
  /** Bytes/s over the last seconds. */
  readonly downRate: number;
  readonly upRate: number;
  /** Our block requests outstanding with this peer. */
  readonly pipeline: number;
  /** Pieces the peer has announced. */
  readonly pieces: number;
  /**
   * Failed piece copies the peer's IP sent blocks of, still waiting for a good copy (smart ban:
   * it is banned only if its blocks then differ, or at once if it alone sent a failed piece).
   */
  readonly strikes: number;
  readonly banned: boolean;
}

/** Piece states in {@link PieceMapSnapshot.states}, one character each. */
export const PIECE_CHARS = {
  missing: '.',
  requested: 'r',
  partial: 'p',
  /** Every block in, waiting for its hash check. */
  complete: 'c',
  verified: 'v',
  /** Failed its hash check and not verified since. */
  failed: 'f',
} as const;

/** The piece map: a state per piece and how many connected peers have it. */
export interface PieceMapSnapshot {
  /** One {@link PIECE_CHARS} character per piece. */
  readonly states: string;
  /** Per piece: connected peers that have it (have-all peers included). */
  readonly availability: readonly number[];
}

/** One tracker conversation step. */
export interface TrackerActivity {
  readonly at: number;
  readonly phase: 'reply' | 'error' | 'warning';
  readonly peers?: number;
  readonly seeders?: number;
  readonly leechers?: number;
  readonly message?: string;
}

/** What the inspector shows of a torrent besides its transitions. */
export interface InspectorSnapshot {
  readonly infoHashHex: string;
  readonly name: string;
  readonly at: number;
  readonly pieceCount: number;
  readonly verifiedPieces: number;
  readonly downloadRate: number;
  readonly uploadRate: number;
  readonly machines: readonly MachineNow[];
  readonly peers: readonly PeerRow[];
  readonly pieces: PieceMapSnapshot;
  /** The last tracker replies, errors and warnings, oldest first (bounded). */
  readonly trackers: readonly TrackerActivity[];
}
