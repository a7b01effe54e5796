/**
 * Server-side shapes of what a tracker is told and keeps. Deliberately separate from the client's
 * `src/tracker/types.ts`: a server parses untrusted requests and stores swarms, a client builds
 * requests and reads replies.
 */

/** Announce `event` (BEP 3); `'empty'` is a regular interval announce. */
export type ServerAnnounceEvent = 'started' | 'completed' | 'stopped' | 'empty';

/** Which wire protocol a request arrived on. */
export type TrackerProtocol = 'http' | 'udp';

/** An IP address in both of the forms the tracker needs. */
export interface PeerEndpoint {
  /** Normalised textual address: dotted quad for IPv4 (never `::ffff:`-mapped), RFC 5952 for IPv6. */
  readonly ip: string;
  /** 4 bytes for IPv4, 16 for IPv6: what compact peer lists carry (BEP 23, BEP 7). */
  readonly ipBytes: Uint8Array;
  readonly port: number;
}

/** A validated announce, whichever protocol it came by. */
export interface ServerAnnounce {
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
  readonly endpoint: PeerEndpoint;
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
  readonly event: ServerAnnounceEvent;
  /** Already capped to the server's maximum. */
  readonly numwant: number;
}

/** One peer as handed out in a reply. */
export interface PeerView {
  readonly peerId: Uint8Array;
  readonly endpoint: PeerEndpoint;
}

/** Counts of one swarm, as in a scrape reply (BEP 48). */
export interface SwarmCounts {
  /** Seeders (`complete`). */
  readonly complete: number;
  /** Leechers (`incomplete`). */
  readonly incomplete: number;
  /** Number of `completed` events ever seen (`downloaded`). */
  readonly downloaded: number;
}

/** What the store answers to an announce. */
export interface AnnounceOutcome {
  readonly counts: SwarmCounts;
  readonly peers: readonly PeerView[];
}
