const MiB = 1024 * 1024;

/**
 * Default high-water mark of {@link DiskQueue}: 8 MiB (low mark 4 MiB). What is held stays
 * within the mark plus the requests already out when it was crossed (each peer's pipeline),
 * and the block pool grows to that peak and keeps it. Measured on loopback (1 GiB, 256 KiB
 * pieces, libtorrent seeders, side by side with a 16 MiB build): the pool's peak went from
 * 23-24 MiB to 13 MiB, peak RSS from 117-135 to 112-122 MiB, wall time the same within the
 * noise (1 and 4 seeders). At 4 MiB RSS fell further (108-115) but 4 seeders ran 6% slower.
 */
export const DEFAULT_MAX_QUEUED_BYTES = 8 * MiB;

/**
 * Bytes received and not yet on disk, with a high and a low mark (libtorrent's
 * `max_queued_disk_bytes`): blocks staged in memory until their piece is whole, plus pieces
 * handed to the disk whose write (and hash) has not finished. A downloader that keeps
 * requesting while the disk falls behind only moves the queue from the socket into memory;
 * it stops topping up its requests while the queue is {@link full} and starts again once
 * {@link onDrained} calls it back.
 */
export class DiskQueue {
  /** Bytes of incomplete pieces held in memory. */
  staged = 0;
  /** Bytes handed to the disk (or a hash worker) whose write or hash has not finished. */
  writing = 0;
  /** Below this a full queue counts as drained (half the high mark: requests resume in batches, not per piece written). */
  readonly lowWater: number;
  private listeners: (() => void)[] = [];

  constructor(readonly highWater: number) {
    this.lowWater = Math.floor(highWater / 2);
  }

  /** Bytes received and not yet on disk. */
  get bytes(): number {
    return this.staged + this.writing;
  }

  /**
   * More than {@link highWater} bytes wait and some of them are being written. With nothing in
   * flight the queue is not full whatever it holds: what is left is incomplete pieces that only
   * more blocks can finish (the staging budget bounds those), and waiting would never end.
   */
  get full(): boolean {
    return this.writing > 0 && this.bytes > this.highWater;
  }

  /** Whether a full queue has drained: at most {@link lowWater} bytes, or nothing being written. */
  get drained(): boolean {
    return this.writing === 0 || this.bytes <= this.lowWater;
  }

  /**
   * Calls `listener` once the queue has {@link drained} (on a later microtask when it already
   * has). Listeners run in a microtask of their own, never inside the storage's bookkeeping.
   */
  onDrained(listener: () => void): void {
    this.listeners.push(listener);
    if (this.drained) this.release();
  }

  /** Call after bytes left the queue (a write finished, a piece was dropped). */
  shrank(): void {
    if (this.listeners.length > 0 && this.drained) this.release();
  }

  /** Calls every listener (the storage is closing: nothing will drain any more). */
  release(): void {
    const list = this.listeners;
    if (list.length === 0) return;
    this.listeners = [];
    queueMicrotask(() => {
      for (const l of list) l();
    });
  }
}
