import { endpointKey, type PeerEndpoint } from '../peers/peerPool.js';
import { MAX_PEX_ADDED } from './limits.js';
import type { PexMessage, PexPeer } from './utPex.js';

/**
 * What we have told one remote peer through ut_pex (BEP 11), so each message carries only the
 * changes since the previous one: `added` = connected now but not yet advertised, `dropped` =
 * advertised but no longer connected. One instance per connection that negotiated ut_pex.
 *
 * The caller times it: call {@link PexState.next} at most once a minute (PEX_INTERVAL_MS) for
 * each peer, and never for a private torrent (BEP 27, see peerSourcesAllowed).
 */
export class PexState {
  /** Endpoint key → what we advertised, in advertising order. */
  private readonly advertised = new Map<string, PexPeer>();

  /** @param recipient the peer the messages go to (never advertised to itself) */
  constructor(
    private readonly recipient: PeerEndpoint,
    private readonly maxPerMessage: number = MAX_PEX_ADDED,
  ) {}

  /**
   * The next message for the recipient given who is connected now, or `undefined` when nothing
   * changed (send nothing). At most `maxPerMessage` (50) added and 50 dropped; the rest follow in
   * later messages. The first message lists the currently connected peers.
   */
  next(connected: Iterable<PexPeer>): PexMessage | undefined {
    const self = endpointKey(this.recipient);
    const now = new Map<string, PexPeer>();
    for (const p of connected) {
      const key = endpointKey(p);
      if (key !== self) now.set(key, p);
    }
    const dropped: PeerEndpoint[] = [];
    for (const [key, p] of this.advertised) {
      if (dropped.length >= this.maxPerMessage) break;
      if (!now.has(key)) dropped.push({ ip: p.ip, port: p.port });
    }
    const added: PexPeer[] = [];
    for (const [key, p] of now) {
      if (added.length >= this.maxPerMessage) break;
      if (!this.advertised.has(key)) added.push(p);
    }
    if (added.length === 0 && dropped.length === 0) return undefined;
    for (const p of dropped) this.advertised.delete(endpointKey(p));
    for (const p of added) this.advertised.set(endpointKey(p), p);
    return { added, dropped };
  }

  /** How many peers the recipient currently knows from us. */
  get advertisedCount(): number {
    return this.advertised.size;
  }
}
