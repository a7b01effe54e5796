const MiB = 1024 * 1024;

/**
 * Default high-water mark of {@link DiskQueue}: 16 MiB (low mark 8 MiB). Measured on loopback
 * (256 KiB pieces, libtorrent seeders): with a disk that keeps up, one seeder keeps 4-7 MiB
 * queued and never reaches the mark; four seeders reach 10-17 MiB and are held back a few
 * times per 256 MiB, at no cost in wall time. What is held stays within the mark plus the
 * requests already out when it was crossed (each peer's pipeline; in practice 1-2 MiB over
 * it), i.e. about 20 MiB of blocks on top of the ~85 MiB a downloading Node process needs,
 * under the 120 MiB goal. A lower mark would throttle a disk that keeps up; a higher one buys
 * nothing (the disk, not the queue, sets the pace once it is behind).
 */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * MiB;

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
