import { createHash, type Hash } from 'node:crypto';
import { BLOCK_SIZE } from '../pieces/pieceGeometry.js';
import type { BlockPool } from './blockPool.js';

/**
 * The 16 KiB blocks of one piece held in memory until the piece is whole, so it reaches the
 * disk in one vectored write instead of one write per block, and its SHA-1 (BEP 3) is computed
 * from memory as blocks arrive in order, so verification never reads the piece back.
 * Blocks are copied into recycled buffers from a {@link BlockPool}, so callers may reuse theirs.
 */
export class StagedPiece {
  private readonly blocks: (Uint8Array | undefined)[];
  private held = 0;
  /** Bytes held. */
  bytes = 0;
  /** SHA-1 over blocks [0, hashedUpTo): fed whenever the next block in order is present. */
  private hash: Hash | undefined;
  private hashedUpTo = 0;

  /** @param hashInMemory compute the SHA-1 here, on this thread (false when a worker thread hashes instead) */
  constructor(
    readonly index: number,
    readonly size: number,
    private readonly pool: BlockPool,
    hashInMemory = true,
  ) {
    this.blocks = new Array<Uint8Array | undefined>(Math.ceil(size / BLOCK_SIZE));
    this.hash = hashInMemory ? createHash('sha1') : undefined;
  }

  /** Whether a block at `begin` of `length` bytes is a whole block slot of this piece (only those are staged). */
  fits(begin: number, length: number): boolean {
    return begin % BLOCK_SIZE === 0 && begin < this.size && length === Math.min(BLOCK_SIZE, this.size - begin);
  }

  /** Holds a copy of a block (caller checked {@link fits}); a second copy of a slot replaces the first. */
  put(begin: number, data: Uint8Array): void {
    const slot = begin / BLOCK_SIZE;
    const old = this.blocks[slot];
    if (old === undefined) this.held++;
    else {
      this.bytes -= old.length;
      // the prefix hash already covers the old bytes: the digest can no longer be trusted
      if (slot < this.hashedUpTo) this.hash = undefined;
      this.pool.release([old]);
    }
    this.blocks[slot] = this.pool.copyOf(data);
    this.bytes += data.length;
    while (this.hash !== undefined && this.hashedUpTo < this.blocks.length) {
      const next = this.blocks[this.hashedUpTo];
      if (next === undefined) break;
      this.hash.update(next);
      this.hashedUpTo++;
    }
  }

  /** Every block of the piece is held. */
  get complete(): boolean {
    return this.held === this.blocks.length;
  }

  /** The held blocks in order (views, not copies): the whole piece once {@link complete}. */
  blocksInOrder(): Uint8Array[] {
    return this.blocks.filter((b): b is Uint8Array => b !== undefined);
  }

  /** SHA-1 of the whole piece when complete and hashed in order, else undefined. */
  digest(): Uint8Array | undefined {
    if (!this.complete || this.hash === undefined || this.hashedUpTo !== this.blocks.length) return undefined;
    const d = this.hash.digest();
    this.hash = undefined;
    return d;
  }

  /**
   * The held blocks as runs of consecutive slots: `[begin, buffers]` per run, for vectored
   * writes. Empties the piece (the caller now owns writing them, then gives them back to the pool).
   */
  takeRuns(): [number, Uint8Array[]][] {
    const runs: [number, Uint8Array[]][] = [];
    let current: Uint8Array[] | undefined;
    for (let slot = 0; slot < this.blocks.length; slot++) {
      const b = this.blocks[slot];
      if (b === undefined) {
        current = undefined;
        continue;
      }
      if (current === undefined) {
        current = [];
        runs.push([slot * BLOCK_SIZE, current]);
      }
      current.push(b);
      this.blocks[slot] = undefined;
    }
    this.held = 0;
    this.bytes = 0;
    return runs;
  }
}
