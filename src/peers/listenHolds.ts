/**
 * Listen addresses that connected peers told us (BEP 10 extended handshake `p`), each held by
 * the connection it came on. A peer that dialled us arrives from an ephemeral port: only its
 * `p` says where it listens. Dialling that address while its connection runs only makes a
 * duplicate the peer closes (libtorrent does, and it sends a fresh peer id per connection, so
 * our own duplicate rule cannot pair the two; QUIRKS.md), and the pool would dial it again
 * after every back-off. Plain data, at most one hold per connection.
 *
 * A hold covers only the connection's own IP, so a peer cannot keep us from dialling anyone
 * else; peers sharing one IP (a seedbox, carrier NAT) can keep us off each other's ports while
 * connected, which costs a spare dial at most.
 */
export class ListenHolds {
  /** Connection id → the endpoint key it holds. */
  private readonly byConnection = new Map<string, string>();
  /** Endpoint key → how many connections hold it (a peer may dial us twice before one closes). */
  private readonly holders = new Map<string, number>();

  /**
   * Connection `connectionId` says its peer listens at `key`, replacing what it said before;
   * returns the endpoint key that replacement let go (as {@link release} does).
   */
  hold(connectionId: string, key: string): string | undefined {
    if (this.byConnection.get(connectionId) === key) return undefined;
    const released = this.release(connectionId);
    if (key === connectionId) return released; // we dialled that very address: it is marked connected already
    this.byConnection.set(connectionId, key);
    this.holders.set(key, (this.holders.get(key) ?? 0) + 1);
    return released === key ? undefined : released;
  }

  /** Connection `connectionId` ended: returns the endpoint key it held when no other connection holds it still. */
  release(connectionId: string): string | undefined {
    const key = this.byConnection.get(connectionId);
    if (key === undefined) return undefined;
    this.byConnection.delete(connectionId);
    const left = (this.holders.get(key) ?? 1) - 1;
    if (left > 0) {
      this.holders.set(key, left);
      return undefined;
    }
    this.holders.delete(key);
    return key;
  }

  has(key: string): boolean {
    return this.holders.has(key);
  }
}
