/**
 * What the block path may do with one peer right now. Only the peer machine's actions write
 * it (they open and close it as its regions change); the block path reads it without asking
 * the machine, because a snapshot lookup per block would cost more than the block. It is not
 * a mirror of the machine's state: it holds the permissions those states grant, and nothing
 * else writes them.
 */
export class PeerGate {
  /** Handshake done and the connection not over: data may flow at all. */
  open = false;
  /** BEP 6 negotiated: refused requests are answered with `reject`, not dropped silently. */
  fast = false;
  /** The peer unchoked us (BEP 3): we may send requests. */
  mayRequest = false;
  /** The peer snubs us: it loses its regular upload slot; its pipeline stays shallow (its rate is ~0). */
  snubbed = false;
  /** We unchoked the peer (BEP 3): its requests are served. */
  mayUpload = false;
  /** The peer is interested in our pieces: it competes for our upload slots. */
  wantsUpload = false;

  /** The connection is over: nothing flows any more. */
  shut(): void {
    this.open = false;
    this.mayRequest = false;
    this.mayUpload = false;
    this.wantsUpload = false;
  }
}
