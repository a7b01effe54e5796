import { duplicateToClose } from './duplicateConnection.js';
import type { PeerEndpoint } from './peerPool.js';

/** One connection of a torrent whose handshake is done. */
export interface IdentifiedConnection {
  /** The connection's key (its endpoint key, the peer actor's id). */
  readonly id: string;
  readonly endpoint: PeerEndpoint;
  /** True when we dialled it. */
  readonly outgoing: boolean;
}

/** What {@link PeerIdentities.identify} decided when the peer id was already connected. */
export interface DuplicateVerdict {
  readonly close: IdentifiedConnection;
  readonly keep: IdentifiedConnection;
}

/** What the torrent does with the pool when a connection ended (see {@link PeerIdentities.closed}). */
export interface ClosedIdentity {
  /**
   * The connection was a duplicate we dialled and closed, and the one we kept to that peer
   * still runs: leave its endpoint marked connected in the pool, since dialling it again would
   * only make the same duplicate.
   */
  readonly held: boolean;
  /** Endpoints of closed duplicates that this connection held: dialable again (after the usual delay). */
  readonly released: readonly PeerEndpoint[];
}

interface Kept extends IdentifiedConnection {
  /** Outgoing duplicates closed in favour of this connection: their endpoints wait for it to end. */
  readonly held: readonly IdentifiedConnection[];
}

/**
 * A torrent's connections by remote peer id (BEP 3 handshake), so at most one stays open per
 * peer (the rule: `duplicateConnection.ts`). Plain data the torrent machine's actions call,
 * like its PeerPool: the machine sends the close, this remembers who was kept and which
 * dialled endpoints that connection stands for.
 */
export class PeerIdentities {
  /** Peer id (hex) → the one connection kept to it. */
  private readonly kept = new Map<string, Kept>();
  /** Duplicates told to close, until their close is reported → the peer id they duplicated. */
  private readonly closing = new Map<string, string>();

  /** Whether `id`, identified as `peerId`, would duplicate another open connection. */
  isDuplicate(id: string, peerId: string): boolean {
    const kept = this.kept.get(peerId);
    return kept !== undefined && kept.id !== id && !this.closing.has(id);
  }

  /**
   * Records that `connection` completed its handshake with peer id `peerId` (lowercase hex).
   * When another open connection has that peer id, returns which of the two to close (the
   * other is kept); the caller closes it and reports it through {@link closed} as usual.
   */
  identify(connection: IdentifiedConnection, peerId: string, ourPeerId: string | undefined): DuplicateVerdict | undefined {
    if (this.closing.has(connection.id)) return undefined;
    const older = this.kept.get(peerId);
    if (older === undefined || older.id === connection.id) {
      this.kept.set(peerId, { ...plain(connection), held: older?.held ?? [] });
      return undefined;
    }
    const closeOlder = duplicateToClose(ourPeerId, peerId, origin(older), origin(connection)) === 'older';
    const close = closeOlder ? plain(older) : plain(connection);
    const keep = closeOlder ? plain(connection) : plain(older);
    // a duplicate we dialled stands for the same peer: its address waits for the kept connection
    const held = close.outgoing ? [...older.held, close] : older.held;
    this.kept.set(peerId, { ...keep, held });
    this.closing.set(close.id, peerId);
    return { close, keep };
  }

  /** Connection `id` ended: what the pool should hear (see {@link ClosedIdentity}). */
  closed(id: string): ClosedIdentity {
    const duplicateOf = this.closing.get(id);
    if (duplicateOf !== undefined) {
      this.closing.delete(id);
      const holder = this.kept.get(duplicateOf);
      return { held: holder?.held.some((c) => c.id === id) ?? false, released: [] };
    }
    for (const [peerId, kept] of this.kept) {
      if (kept.id !== id) continue;
      this.kept.delete(peerId);
      // duplicates still closing are released by their own close (no holder is left by then)
      return { held: false, released: kept.held.filter((c) => !this.closing.has(c.id)).map((c) => c.endpoint) };
    }
    return { held: false, released: [] };
  }

  /** Open connections with a known peer id (kept ones; duplicates being closed are not counted). */
  get size(): number {
    return this.kept.size;
  }
}

const origin = (c: IdentifiedConnection) => ({ outgoing: c.outgoing, ip: c.endpoint.ip });
const plain = (c: IdentifiedConnection): IdentifiedConnection => ({ id: c.id, endpoint: c.endpoint, outgoing: c.outgoing });
