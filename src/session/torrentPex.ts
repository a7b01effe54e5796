import type { PeerRecord } from '../../streams/peerRecord.js';
import type { ExtensionSinks } from '../../streams/peerExtensions.js';
import { peerSourcesAllowed, pexFlagsOf, PexState, type PexPeer } from '../extensions/index.js';
import type { Metainfo } from '../metainfo/types.js';
import { endpointKey, type PeerEndpoint } from '../peers/peerPool.js';

/** Where the peers a torrent learns by PEX go. */
export interface PexSinks {
  /**
   * `peers` came in a ut_pex message from the peer `from` (validated, bounded, for the dialer),
   * each with the flags byte it was sent with (BEP 11 `added.f`).
   */
  readonly discovered: (from: string, peers: readonly PexPeer[]) => void;
}

/**
 * Peer exchange (BEP 11) for one torrent: a PexState per connection that negotiated ut_pex, so
 * each message we send carries only the changes since the last one; the timing (once a minute
 * at most, each way) is the peer machine's `pexInterval`. Private torrents (BEP 27) neither send
 * nor take PEX: ut_pex is not even advertised, and this refuses both ways as well.
 */
export class TorrentPex {
  /** By connection record: a reconnection from the same address starts afresh. */
  private readonly states = new WeakMap<PeerRecord, PexState>();
  private readonly allowed: boolean;

  constructor(
    metainfo: Pick<Metainfo, 'private'>,
    private readonly records: ReadonlyMap<string, PeerRecord>,
    private readonly out: PexSinks,
  ) {
    this.allowed = peerSourcesAllowed(metainfo).pex;
  }

  /** The PEX part of one connection's extension sinks. */
  sinks(id: string, endpoint: PeerEndpoint): Partial<ExtensionSinks> {
    if (!this.allowed) return {};
    return {
      pex: (message) => {
        if (message.added.length > 0) this.out.discovered(id, message.added);
      },
      nextPex: () => {
        const record = this.records.get(id);
        if (record === undefined || record.closed) return undefined;
        let state = this.states.get(record);
        if (state === undefined) this.states.set(record, (state = new PexState(endpoint)));
        return state.next(this.connected(record));
      },
    };
  }

  /**
   * Peers we can vouch for: connections past the handshake, at the address they listen on.
   * Those we dialled are there (flagged reachable); an accepted connection's port is only its
   * ephemeral one, so those that dialled us are named at the port their extended handshake gave
   * (BEP 10 `p`), as libtorrent does, and left out without one. Also flagged: seeds, and a
   * preference for encryption when our connection used MSE (BEP 11).
   */
  private connected(recipient: PeerRecord): PexPeer[] {
    const out: PexPeer[] = [];
    for (const r of this.records.values()) {
      if (r.closed || !r.gate.open || r === recipient) continue;
      const port = r.outgoing ? r.endpoint.port : r.listenPort;
      if (port === undefined) continue; // it dialled us and gave no `p`: nothing to name
      if (!r.outgoing) {
        // we dialled that address too and got through: that connection names it (flagged reachable)
        const dialled = this.records.get(endpointKey({ ip: r.endpoint.ip, port }));
        if (dialled !== undefined && dialled.outgoing && !dialled.closed && dialled.gate.open) continue;
      }
      const flags = pexFlagsOf({ outgoing: r.outgoing, seed: r.pieces.bitfield.isComplete, encrypted: r.encryption !== 'none' });
      out.push({ ip: r.endpoint.ip, port, flags });
    }
    return out;
  }
}
