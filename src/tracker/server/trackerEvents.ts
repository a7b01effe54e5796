import type { PeerEndpoint, ServerAnnounceEvent, TrackerProtocol } from './peerTypes.js';
import type { PeerRemovalReason } from './swarmStore.js';

/** Something the tracker did, for live displays and logs. Info hashes are lowercase hex. */
export type TrackerEvent =
  | {
      readonly type: 'announce';
      readonly protocol: TrackerProtocol;
      readonly infoHash: string;
      readonly peer: PeerEndpoint;
      readonly event: ServerAnnounceEvent;
      readonly left: number;
      /** How many peers the reply carried. */
      readonly peersReturned: number;
    }
  | { readonly type: 'scrape'; readonly protocol: TrackerProtocol; readonly infoHashes: readonly string[] }
  /** A peer dropped for silence (`expired`) or to respect a memory cap. */
  | { readonly type: 'peer-removed'; readonly infoHash: string; readonly peer: PeerEndpoint; readonly reason: PeerRemovalReason }
  /** A request answered with a failure reason (or a BEP 15 error). */
  | { readonly type: 'rejected'; readonly protocol: TrackerProtocol; readonly from: string; readonly reason: string };

/** Counters since start plus what the store holds now. */
export interface TrackerStats {
  readonly torrents: number;
  readonly peers: number;
  readonly seeders: number;
  readonly leechers: number;
  readonly announces: number;
  readonly scrapes: number;
  readonly rejected: number;
  readonly started: number;
  readonly completed: number;
  readonly stopped: number;
  readonly expired: number;
  readonly evicted: number;
}
