import type { Metainfo } from '../metainfo/types.js';

/** Where a torrent may find peers. */
export interface PeerSources {
  /** The torrent's own trackers: always. */
  readonly trackers: true;
  /** Peer exchange (BEP 11), sending and taking. */
  readonly pex: boolean;
  /** The DHT (BEP 5). */
  readonly dht: boolean;
  /** Peers named outside the torrent: magnet `x.pe`, `--peer`, local discovery. */
  readonly external: boolean;
}

/**
 * BEP 27: a private torrent gets peers only from its own trackers, so no PEX (sent or taken)
 * and no DHT. For a public torrent every source is allowed.
 *
 * `external` stays true for private torrents: a peer the user names by hand (`--peer`) is the
 * user's choice, not a discovery mechanism that could leak the swarm.
 */
export function peerSourcesAllowed(m: Pick<Metainfo, 'private'>): PeerSources {
  return { trackers: true, pex: !m.private, dht: !m.private, external: true };
}
