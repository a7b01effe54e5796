import type { Observable } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import type { Metainfo } from '../metainfo/types.js';
import type { DhtNode } from './dhtNode.js';
import type { BanList } from '../peers/banList.js';
import type { PeerEndpoint } from '../peers/peerPool.js';
import type { WireMessage } from '../wire/messages.js';
import type { TorrentEvent, TorrentProgress } from './types.js';
import type { EncryptionPolicy } from '../mse/mseTypes.js';

/** How one torrent is run. */
export interface TorrentRunOptions {
  readonly metainfo: Metainfo;
  /** Files go to `<downloadDir>/<name>` (single file) or `<downloadDir>/<name>/...`. */
  readonly downloadDir: string;
  /** Most simultaneous connections (default 50). */
  readonly maxPeers?: number;
  /** Peers to dial besides those the trackers return (e.g. a known seeder). */
  readonly peers?: readonly PeerEndpoint[];
  /** Ask the torrent's trackers for peers (default true). */
  readonly useTrackers?: boolean;
  /** Receives every actor event of the torrent's system (peer, announce, choker machines) and its DHT lookups. */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * Trust that the data on disk is complete and skip the hash check (seeding what you just
   * made). Pieces are still never served unless they are in the torrent.
   */
  readonly skipCheck?: boolean;
  /** Sees every wire message in and out, per peer (for traces); payload bytes are not copied. */
  readonly onWire?: (peerId: string, direction: 'in' | 'out', message: WireMessage) => void;
}

/** What the session lends each torrent. */
export interface TorrentHost {
  readonly peerId: Uint8Array;
  /** Port we accept connections on, announced to trackers. */
  readonly port: number;
  /** Address outgoing connections bind to, if any. */
  readonly localAddress?: string;
  /** The session's DHT node (BEP 5), when it runs one; private torrents never use it (BEP 27). */
  readonly dht?: DhtNode;
  /** The session's ban list: a ban by one torrent holds for all of them. */
  readonly bans?: BanList;
  /** The session's encryption policy (MSE/PE): `require` dials with MSE; default `accept` dials plain. */
  readonly encryption?: EncryptionPolicy;
}

/** A running torrent: Observable-first, plus a few commands. */
export interface TorrentHandle {
  readonly infoHashHex: string;
  readonly name: string;
  /** The latest snapshot now and about once a second after, until the torrent stops. */
  readonly progress$: Observable<TorrentProgress>;
  readonly events$: Observable<TorrentEvent>;
  /**
   * Resolves when the torrent machine reaches seeding (every piece verified; at once if the
   * data was already complete); rejects on a fatal error or a stop before that, and when the
   * download folder fails (full, read-only): the torrent is paused then, with verified data
   * kept, and `resume()` carries on (watch `events$` for `completed`).
   */
  readonly completed: Promise<void>;
  pause(): void;
  resume(): void;
  /** Announces `stopped`, closes every connection and flushes files. */
  stop(): Promise<void>;
}
