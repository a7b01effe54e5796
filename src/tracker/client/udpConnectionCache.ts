/**
 * Connection ids of UDP trackers (BEP 15): a client may reuse one for up to one minute after
 * receiving it, then must connect again. Keyed by `address:port`. The clock is passed in so
 * callers (and tests) decide what "now" is.
 */
export class UdpConnectionCache {
  /** BEP 15: "A client can use a connection ID until one minute after it has received it." */
  static readonly LIFETIME_MS = 60_000;
  private readonly entries = new Map<string, { readonly id: Uint8Array; readonly receivedAt: number }>();

  /** The live connection id for `key`, or `undefined` when absent or expired. */
  get(key: string, now: number): Uint8Array | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (now - e.receivedAt >= UdpConnectionCache.LIFETIME_MS || now < e.receivedAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e.id;
  }

  /** Remembers a connection id received at `now`. */
  set(key: string, id: Uint8Array, now: number): void {
    this.entries.set(key, { id, receivedAt: now });
  }

  /** Forgets `key`'s connection id (e.g. after the tracker answered with an error). */
  delete(key: string): void {
    this.entries.delete(key);
  }
}
