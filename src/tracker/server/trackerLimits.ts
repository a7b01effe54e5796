/**
 * Bounds that keep the tracker's memory and work per request finite whatever clients send.
 * A flood of announces for made-up info hashes can at most fill `maxTorrents` swarms; each swarm
 * holds at most `maxPeersPerTorrent` peers and all swarms together at most `maxPeers`. When a cap
 * is reached the stalest entry (least recently announced) is evicted to make room, so active
 * swarms survive a flood of one-shot announces.
 *
 * Rough memory at the defaults: about 350 bytes per peer and 300 per swarm, so 200k peers and
 * 20k swarms stay well under 100 MiB.
 */
export interface TrackerLimits {
  /** Most swarms (distinct info hashes) kept; default 20,000. */
  readonly maxTorrents: number;
  /** Most peers in one swarm; default 5,000. */
  readonly maxPeersPerTorrent: number;
  /** Most peers over all swarms; default 200,000. */
  readonly maxPeers: number;
  /** Default number of peers handed out when the client does not say (`numwant`); default 50. */
  readonly defaultNumwant: number;
  /** Most peers handed out in one reply; larger `numwant`s are capped to this; default 200. */
  readonly maxNumwant: number;
  /** Most info hashes in one scrape; default 74 (what fits a UDP scrape reply, BEP 15). */
  readonly maxScrapeHashes: number;
  /** Longest HTTP request target (path and query) accepted, in bytes; default 8,192. */
  readonly maxUrlBytes: number;
}

/** The default {@link TrackerLimits}. */
export const defaultTrackerLimits: TrackerLimits = {
  maxTorrents: 20_000,
  maxPeersPerTorrent: 5_000,
  maxPeers: 200_000,
  defaultNumwant: 50,
  maxNumwant: 200,
  maxScrapeHashes: 74,
  maxUrlBytes: 8_192,
};
