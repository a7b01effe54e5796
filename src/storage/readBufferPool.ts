/** The smallest pooled buffer: one block (BEP 3's usual 16 KiB request). */
export const SMALLEST_READ_BUFFER = 16 * 1024;

/**
 * Recycled buffers for reads served to peers (seeding). A fresh zero-filled buffer per read
 * is a GiB of new off-heap memory per GiB uploaded, and that external memory is what makes V8
 * run major garbage collections (they dominated a profile of our seeder). Buffers here are
 * allocated uninitialised (every byte handed out is overwritten by the read) and given back
 * once the socket has written them out, so a seeder allocates a few dozen of them, not one per
 * read.
 *
 * Buffers come in power-of-two sizes from {@link SMALLEST_READ_BUFFER} up to `bufferBytes`, and a
 * read gets the smallest that fits: a one-block run must not pin a whole run's buffer while a
 * slow peer's socket holds it (the send buffer bounds bytes queued, not the buffers behind them).
 *
 * The pool never tracks buffers it lent: one that is never given back (a lost callback) is
 * simply left to the GC, and a later request allocates a new one. Only the very view a lender
 * got is taken back, once: a buffer given back twice (also late, after it was lent again) or
 * one that is not ours is ignored, so one buffer is never lent to two users at once.
 */
export class ReadBufferPool {
  /** Idle buffers by size (each a power of two from the smallest class, or `bufferBytes`). */
  private readonly free = new Map<number, ArrayBuffer[]>();
  /**
   * Every idle buffer, oldest given back first: a full pool drops its oldest to keep the one just
   * given back, so idle buffers follow the sizes reads ask for now (a burst of one-block reads
   * does not leave whole-run reads allocating forever).
   */
  private readonly idleOrder: ArrayBuffer[] = [];
  /** The view each lent buffer was handed out as (weak: a lost one is collected, not leaked). */
  private readonly lent = new WeakMap<ArrayBuffer, Uint8Array>();

  /**
   * @param bufferBytes size of the largest pooled buffer (the largest read served at once)
   * @param maxFree most idle buffers kept for reuse, all sizes together; more given back at once go to the GC
   */
  constructor(
    readonly bufferBytes: number,
    private readonly maxFree: number,
  ) {}

  /**
   * A buffer of exactly `length` bytes (a view of a pooled one at most twice as large; a request
   * over `bufferBytes` gets a buffer of its own, never pooled). Its contents are whatever was
   * there before: fill all of it.
   */
  acquire(length: number): Uint8Array {
    if (length > this.bufferBytes) return new Uint8Array(length);
    const size = this.sizeFor(length);
    const reused = this.free.get(size)?.pop();
    if (reused !== undefined) this.idleOrder.splice(this.idleOrder.lastIndexOf(reused), 1);
    const ab = reused ?? uninitialised(size);
    const view = new Uint8Array(ab, 0, length);
    this.lent.set(ab, view);
    return view;
  }

  /** Gives back a buffer from {@link acquire} (that same view) once nothing reads or writes it any more. */
  release(buffer: Uint8Array): void {
    const ab = buffer.buffer as ArrayBuffer;
    if (this.lent.get(ab) !== buffer) return; // given back already, lent to someone else since, or not ours
    this.lent.delete(ab);
    if (this.maxFree <= 0) return;
    if (this.idleOrder.length >= this.maxFree) {
      const oldest = this.idleOrder.shift()!;
      const same = this.free.get(oldest.byteLength)!;
      same.splice(same.indexOf(oldest), 1);
    }
    const list = this.free.get(ab.byteLength);
    if (list === undefined) this.free.set(ab.byteLength, [ab]);
    else list.push(ab);
    this.idleOrder.push(ab);
  }

  /** Idle buffers held for reuse. */
  get idle(): number {
    return this.idleOrder.length;
  }

  /** The smallest pooled size holding `length` bytes. */
  private sizeFor(length: number): number {
    let size = Math.min(SMALLEST_READ_BUFFER, this.bufferBytes);
    while (size < length) size *= 2;
    return Math.min(size, this.bufferBytes);
  }
}

/** An `ArrayBuffer` of `bytes` without the zero-fill `new Uint8Array(bytes)` pays for. */
const uninitialised = (bytes: number): ArrayBuffer => {
  // allocUnsafeSlow: its own ArrayBuffer, never a slice of Node's shared 8 KiB pool
  const b = Buffer.allocUnsafeSlow(bytes);
  return b.buffer as ArrayBuffer;
};
