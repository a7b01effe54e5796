import { createHash } from 'node:crypto';
import { BLOCK_SIZE } from '../pieces/pieceGeometry.js';

/** Bytes of one block digest (SHA-1). */
export const DIGEST_SIZE = 20;

/**
 * SHA-1 of each 16 KiB block of a piece, concatenated (20 bytes per block). Smart ban keeps
 * these instead of the data of a failed copy: a liar would need a SHA-1 second preimage to
 * make a bad block look like the good one.
 */
export function blockDigests(piece: Uint8Array): Uint8Array {
  const blocks = Math.ceil(piece.length / BLOCK_SIZE);
  const out = new Uint8Array(blocks * DIGEST_SIZE);
  for (let b = 0; b < blocks; b++) {
    const d = createHash('sha1').update(piece.subarray(b * BLOCK_SIZE, Math.min(piece.length, (b + 1) * BLOCK_SIZE))).digest();
    out.set(d, b * DIGEST_SIZE);
  }
  return out;
}

/** Whether block `b`'s digest is the same in `x` and `y`. */
export function sameBlock(x: Uint8Array, y: Uint8Array, b: number): boolean {
  const o = b * DIGEST_SIZE;
  for (let i = 0; i < DIGEST_SIZE; i++) if (x[o + i] !== y[o + i]) return false;
  return true;
}
