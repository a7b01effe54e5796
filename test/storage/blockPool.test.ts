import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { BlockPool } from '../../src/storage/blockPool.js';

describe('BlockPool', () => {
  it('keeps up to its bound of idle buffers, so a download that stays within it allocates nothing once warm', () => {
    const pool = new BlockPool(64);
    const data = new Uint8Array(BLOCK_SIZE).fill(7);
    const first = Array.from({ length: 64 }, () => pool.copyOf(data));
    expect(pool.allocated).toBe(64);
    pool.release(first);
    for (let round = 0; round < 10; round++) {
      const held = Array.from({ length: 64 }, () => pool.copyOf(data));
      expect(held.every((b) => b[0] === 7 && b.length === BLOCK_SIZE)).toBe(true);
      pool.release(held);
    }
    expect(pool.allocated).toBe(64); // every block since came from the pool
    // past the bound the extra buffers are left to the GC
    const more = Array.from({ length: 80 }, () => pool.copyOf(data));
    pool.release(more);
    expect(pool.allocated).toBe(80);
    Array.from({ length: 80 }, () => pool.copyOf(data));
    expect(pool.allocated).toBe(96);
  });

  it('a short last block is a view of a pooled buffer and goes back whole', () => {
    const pool = new BlockPool(4);
    const short = pool.copyOf(new Uint8Array(1000).fill(3));
    expect(short.length).toBe(1000);
    pool.release([short]);
    const again = pool.copyOf(new Uint8Array(BLOCK_SIZE));
    expect(again.buffer).toBe(short.buffer);
    expect(pool.allocated).toBe(1);
  });
});
