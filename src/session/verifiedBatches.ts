/** How long a verified piece may wait before the connected peers hear of it (ms). */
export const VERIFIED_BATCH_MS = 50;

/**
 * Gathers the pieces we verify, per receiver (a peer, or the torrent machine), and hands each
 * its list in one batch at most `delayMs` later. Each verified piece used to be one machine
 * event per receiver (with four seeders, 20k events per GiB); a batch is one event per
 * receiver per interval, whatever the rate. BEP 3 sets no deadline for `have`; 50 ms is far below any choking or request timeout.
 * A peer connected after a piece was verified never gets it in a batch: its bitfield said so.
 */
export class VerifiedBatches<P> {
  private readonly pending = new Map<P, number[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param deliver hands one peer the pieces verified for it since its last batch, in order
   * @param delayMs the longest a piece waits
   */
  constructor(
    private readonly deliver: (peer: P, indices: readonly number[]) => void,
    private readonly delayMs = VERIFIED_BATCH_MS,
  ) {}

  /** `index` was verified: `peer` hears of it in its next batch. */
  add(peer: P, index: number): void {
    const list = this.pending.get(peer);
    if (list === undefined) this.pending.set(peer, [index]);
    else list.push(index);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      this.timer.unref?.(); // a pending batch never keeps the process alive
    }
  }

  /** Delivers every pending batch now (the last piece is in, or an event must not overtake them). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [peer, indices] of batches) this.deliver(peer, indices);
  }
}
