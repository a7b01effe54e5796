import { BLOCK_SIZE } from '../pieces/pieceGeometry.js';

/**
 * Recycled 16 KiB buffers for staged blocks. Staging copies each received block (the caller
 * may reuse its buffer, e.g. a socket's shared read buffer) into one of these; they are given
 * back once their piece is on disk. The storage keeps as many idle as its disk queue may hold
 * (high mark plus one pipeline), so a download within that bound allocates them once, not one
 * per block.
 */
export class BlockPool {
  private readonly free: Uint8Array[] = [];
  /** Buffers created so far (a warm pool within its bound creates none). */
  allocated = 0;

  /** @param maxFree most idle buffers kept for reuse (the rest are left to the GC). */
  constructor(private readonly maxFree: number) {}

  /** A buffer holding a copy of `data` (at most one block), as a view of exactly `data.length` bytes. */
  copyOf(data: Uint8Array): Uint8Array {
    const b = this.free.pop() ?? this.create();
    b.set(data);
    return data.length === BLOCK_SIZE ? b : b.subarray(0, data.length);
  }

  private create(): Uint8Array {
    this.allocated++;
    return new Uint8Array(BLOCK_SIZE);
  }

  /** Gives buffers from {@link copyOf} back once nothing reads them any more (their write finished). */
  release(buffers: readonly Uint8Array[]): void {
    for (const b of buffers) {
      if (this.free.length >= this.maxFree) return;
      if (b.byteOffset !== 0 || b.buffer.byteLength !== BLOCK_SIZE) continue; // not one of ours
      this.free.push(b.length === BLOCK_SIZE ? b : new Uint8Array(b.buffer, 0, BLOCK_SIZE));
    }
  }
}
