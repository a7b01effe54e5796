import { BLOCK_SIZE } from '../pieces/pieceGeometry.js';

/** Blocks per shared slab: 1 MiB, so a 256 KiB piece's blocks mostly share one slab. */
const SLAB_BLOCKS = 64;

/**
 * Recycled 16 KiB buffers for staged blocks. Staging copies each received block (the caller
 * may reuse its buffer, e.g. a socket's shared read buffer) into one of these; they are given
 * back once their piece is on disk (and hashed), so a download allocates a few hundred of them,
 * not one per block. The buffers are views of SharedArrayBuffer slabs, so a hash worker thread
 * can read a whole piece in place, without a copy. Buffers given back are always kept (dropping
 * some would pin their whole slab anyway while its other buffers live): the pool holds what
 * the download needed at its peak, reused, and goes with its storage.
 */
export class BlockPool {
  private readonly free: Uint8Array[] = [];
  private readonly slabs = new WeakSet<ArrayBufferLike>();


  /** A buffer holding a copy of `data` (at most one block), as a view of exactly `data.length` bytes. */
  copyOf(data: Uint8Array): Uint8Array {
    const b = this.free.pop() ?? this.grow();
    b.set(data);
    return data.length === BLOCK_SIZE ? b : b.subarray(0, data.length);
  }

  /** Gives buffers from {@link copyOf} back once nothing reads them any more (their write and hash finished). */
  release(buffers: readonly Uint8Array[]): void {
    for (const b of buffers) {
      if (!this.slabs.has(b.buffer) || b.byteOffset % BLOCK_SIZE !== 0) continue; // not one of ours
      this.free.push(b.length === BLOCK_SIZE ? b : new Uint8Array(b.buffer, b.byteOffset, BLOCK_SIZE));
    }
  }

  /** A new slab: returns one block of it and keeps the others free (as far as the budget allows). */
  private grow(): Uint8Array {
    const slab = new SharedArrayBuffer(SLAB_BLOCKS * BLOCK_SIZE);
    this.slabs.add(slab);
    for (let i = SLAB_BLOCKS - 1; i > 0; i--) this.free.push(new Uint8Array(slab, i * BLOCK_SIZE, BLOCK_SIZE));
    return new Uint8Array(slab, 0, BLOCK_SIZE);
  }
}
