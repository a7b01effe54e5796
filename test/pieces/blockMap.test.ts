import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, BlockMap, PieceGeometry, PieceState } from '../../src/pieces/index.js';

describe('BlockMap', () => {
  // 3 pieces of 2.5 blocks (piece length not a multiple of the block size), last piece 1 block + 10 bytes.
  const geometry = new PieceGeometry(2.5 * BLOCK_SIZE, 5 * BLOCK_SIZE + BLOCK_SIZE + 10);

  it('derives piece and block sizes per BEP 3', () => {
    expect(geometry.pieceCount).toBe(3);
    expect(geometry.blockCount(0)).toBe(3);
    expect(geometry.blockLength(0, 2)).toBe(BLOCK_SIZE / 2);
    expect(geometry.pieceSize(2)).toBe(BLOCK_SIZE + 10);
    expect(geometry.blockLength(2, 1)).toBe(10);
    expect(geometry.totalBlocks).toBe(8);
    expect(geometry.isBlock(2, BLOCK_SIZE, 10)).toBe(true);
    expect(geometry.isBlock(2, BLOCK_SIZE, 11)).toBe(false);
  });

  it('allocates per-block detail only while a piece is in flight', () => {
    const m = new BlockMap(geometry);
    expect(m.progress(0)).toBeUndefined();
    m.addRequest(0, 1);
    expect(m.state(0)).toBe(PieceState.Partial);
    expect(m.freeBlocks).toBe(7);
    m.removeRequest(0, 1);
    expect(m.progress(0)).toBeUndefined(); // nothing in flight: back to Missing, detail freed
    expect(m.state(0)).toBe(PieceState.Missing);
    for (let b = 0; b < 3; b++) expect(m.markReceived(0, b, 'a')).toBe(true);
    expect(m.markReceived(0, 0, 'a')).toBe(false);
    expect(m.state(0)).toBe(PieceState.Complete);
    expect(m.partials).toEqual([]);
    expect(m.markVerified(0)).toBe(true);
    expect(m.progress(0)).toBeUndefined();
    expect(m.state(0)).toBe(PieceState.Verified);
    expect(m.remainingBlocks).toBe(5);
    expect(m.freeBlocks).toBe(5);
  });

  it('returns a failed piece to Missing with its contributors', () => {
    const m = new BlockMap(geometry);
    m.markReceived(2, 0, 'a');
    m.markReceived(2, 1, 'b');
    expect(m.markFailed(2)).toEqual(['a', 'b']);
    expect(m.state(2)).toBe(PieceState.Missing);
    expect(m.freeBlocks).toBe(8);
    expect(m.remainingBlocks).toBe(8);
  });
});
