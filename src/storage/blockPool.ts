import { BLOCK_SIZE } from '../pieces/pieceGeometry.js';

/** Blocks per slab: 1 MiB of shared memory at a time. */
const SLAB_BLOCKS = 64;

/**
 * Recycled 16 KiB buffers for staged blocks. Staging copies each received block (the caller
 * may reuse its buffer, e.g. a socket's shared read buffer) into one of these; they are given
 * back once their piece is on disk. They are views of 1 MiB SharedArrayBuffer slabs, so the
 * disk writer's worker reads them in place: moving 16 separate buffers to it and back cost
 * ~0.15 CPU-s per GiB on the main thread alone, sharing costs a few numbers per piece. The
 * pool grows to the most blocks held at once (the storage bounds that: its disk queue stops
 * the downloader) and keeps them until {@link trim}: a torrent that has every piece gives its
 * slabs back rather than holding them for as long as it seeds. (A slab's memory goes once no
 * thread views it: the disk writer's worker ends when idle; opt-in hash workers do not.)
 */
export class BlockPool {
  /** Free blocks, each a Buffer view of one slab (see {@link copyOf} for why Buffers). */
  private readonly free: Buffer[] = [];
  private readonly slabs = new WeakSet<ArrayBufferLike>();
  /** Blocks created so far (a warm pool within its peak creates none). */
  allocated = 0;
  /** Set by {@link trim}: released blocks are let go, until the next {@link copyOf}. */
  private trimmed = false;

  /** Blocks held for reuse, none of them in use. */
  get idle(): number {
    return this.free.length;
  }

  /** A buffer holding a copy of `data` (at most one block), as a view of exactly `data.length` bytes. */
  copyOf(data: Uint8Array): Uint8Array {
    if (data.length > BLOCK_SIZE) throw new RangeError(`a block is at most ${BLOCK_SIZE} bytes, not ${data.length}`);
    this.trimmed = false;
    const b = this.free.pop() ?? this.create();
    const target = data.length === BLOCK_SIZE ? b : b.subarray(0, data.length);
    // Not `set`: V8 copies into shared memory with relaxed atomic loads and stores, a word at a
    // time when both sides are 8-byte aligned and a byte at a time otherwise (a piece message's
    // payload sits 13 bytes into its frame): 0.12 and 0.9 CPU-s per GiB here. Buffer's `fill`
    // with a value as long as the target is one memcpy: 0.04.
    if (data.length > 0) target.fill(data);
    return target;
  }

  private create(): Buffer {
    const slab = new SharedArrayBuffer(SLAB_BLOCKS * BLOCK_SIZE);
    this.slabs.add(slab);
    this.allocated += SLAB_BLOCKS;
    // handed out from the slab's start: the last block is popped first
    for (let k = SLAB_BLOCKS - 1; k > 0; k--) this.free.push(Buffer.from(slab, k * BLOCK_SIZE, BLOCK_SIZE));
    return Buffer.from(slab, 0, BLOCK_SIZE);
  }

  /**
   * Gives blocks from {@link copyOf} back once nothing reads them any more (their write
   * finished). Any view into a block stands for the whole block; give each block back once.
   */
  release(buffers: readonly Uint8Array[]): void {
    if (this.trimmed) return; // a slab goes once no view of it is left
    for (const b of buffers) {
      if (!this.slabs.has(b.buffer)) continue; // not one of ours
      const start = b.byteOffset - (b.byteOffset % BLOCK_SIZE);
      this.free.push(b.byteOffset === start && b.length === BLOCK_SIZE && Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, start, BLOCK_SIZE));
    }
  }

  /**
   * Lets go of every idle block, and of blocks in use as they come back, until the pool is
   * used again: the memory goes once nothing views a slab any more.
   */
  trim(): void {
    this.free.length = 0;
    this.trimmed = true;
  }
}
