/**
 * BEP 3 block length: requests are for 16 KiB (2^14 bytes) except the last block of the last
 * piece, which is whatever remains.
 */
export const BLOCK_SIZE = 16 * 1024;

/** One `request` / `cancel` / `piece` address (BEP 3): `length` bytes at `begin` in piece `index`. */
export interface BlockRequest {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

/**
 * The sizes of pieces and blocks of one torrent. All methods are O(1) arithmetic; invalid
 * indices give 0 so callers can validate untrusted `(index, begin, length)` with {@link isBlock}.
 */
export class PieceGeometry {
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly totalLength: number;
  /** Blocks in a full-size piece: also the stride of global block keys. */
  readonly blocksPerPiece: number;

  constructor(pieceLength: number, totalLength: number) {
    if (!(Number.isSafeInteger(pieceLength) && pieceLength > 0)) throw new RangeError(`piece length ${pieceLength} must be positive`);
    if (!(Number.isSafeInteger(totalLength) && totalLength >= 0)) throw new RangeError(`total length ${totalLength} must be non-negative`);
    this.pieceLength = pieceLength;
    this.totalLength = totalLength;
    this.pieceCount = Math.ceil(totalLength / pieceLength);
    this.blocksPerPiece = Math.ceil(pieceLength / BLOCK_SIZE);
  }

  /** Byte length of piece `index` (the last piece may be shorter). */
  pieceSize(index: number): number {
    if (!(index >= 0 && index < this.pieceCount)) return 0;
    // no branch for the last piece: the first time a branch runs, optimised code that inlined
    // this deoptimises (measured: a wave of 7 hot functions recompiled when the last piece is picked)
    return Math.min(this.pieceLength, this.totalLength - index * this.pieceLength);
  }

  /** Number of blocks in piece `index`. */
  blockCount(index: number): number {
    return Math.ceil(this.pieceSize(index) / BLOCK_SIZE);
  }

  /** Byte length of block `block` of piece `index`. */
  blockLength(index: number, block: number): number {
    const size = this.pieceSize(index);
    const begin = block * BLOCK_SIZE;
    if (!(block >= 0 && begin < size)) return 0;
    return Math.min(BLOCK_SIZE, size - begin);
  }

  /** True when `(index, begin, length)` is exactly one of our 16 KiB block slots. */
  isBlock(index: number, begin: number, length: number): boolean {
    return (
      Number.isInteger(begin) &&
      begin % BLOCK_SIZE === 0 &&
      length > 0 &&
      this.blockLength(index, begin / BLOCK_SIZE) === length
    );
  }

  /** A global block number, unique per block: `index * blocksPerPiece + block`. */
  blockKey(index: number, block: number): number {
    return index * this.blocksPerPiece + block;
  }

  /** Total number of blocks in the torrent. */
  get totalBlocks(): number {
    return this.pieceCount === 0 ? 0 : (this.pieceCount - 1) * this.blocksPerPiece + this.blockCount(this.pieceCount - 1);
  }
}
