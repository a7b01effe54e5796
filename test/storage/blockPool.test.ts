import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { BlockPool } from '../../src/storage/blockPool.js';

describe('BlockPool', () => {
  it('grows to the most blocks held at once, in shared 1 MiB slabs, and allocates nothing more once warm', () => {
    const pool = new BlockPool();
    const data = new Uint8Array(BLOCK_SIZE).fill(7);
    const first = Array.from({ length: 100 }, () => pool.copyOf(data));
    expect(pool.allocated).toBe(128); // two slabs of 64
    expect(first.every((b) => b.buffer instanceof SharedArrayBuffer && b.length === BLOCK_SIZE)).toBe(true);
    expect(new Set(first.map((b) => `${b.byteOffset}:${String(first.indexOf(b) < 64)}`)).size).toBe(100); // no block handed out twice
    pool.release(first);
    for (let round = 0; round < 10; round++) {
      const held = Array.from({ length: 128 }, () => pool.copyOf(data));
      expect(held.every((b) => b[0] === 7 && b.length === BLOCK_SIZE)).toBe(true);
      pool.release(held);
    }
    expect(pool.allocated).toBe(128); // every block since came from the pool
  });

  it('a short last block, or a piece of a block split over two files, goes back as the whole block', () => {
    const pool = new BlockPool();
    const short = pool.copyOf(new Uint8Array(1000).fill(3));
    expect(short.length).toBe(1000);
    const whole = pool.copyOf(new Uint8Array(BLOCK_SIZE));
    pool.release([short, whole.subarray(5000)]);
    const again = [pool.copyOf(new Uint8Array(BLOCK_SIZE)), pool.copyOf(new Uint8Array(BLOCK_SIZE))];
    expect(again.map((b) => [b.byteOffset, b.length]).sort()).toEqual([[short.byteOffset, BLOCK_SIZE], [whole.byteOffset, BLOCK_SIZE]].sort());
    expect(pool.allocated).toBe(64);
  });

  it('copies exactly, from a source at any byte offset (payloads sit 13 bytes into their frame)', () => {
    const pool = new BlockPool();
    fc.assert(fc.property(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: BLOCK_SIZE }), fc.integer(), (offset, length, seed) => {
      const frame = new Uint8Array(offset + length);
      for (let i = 0; i < frame.length; i++) frame[i] = (i * 31 + seed) & 0xff;
      const source = frame.subarray(offset);
      const block = pool.copyOf(source);
      expect(block.length).toBe(length);
      expect(Buffer.from(block).equals(Buffer.from(source))).toBe(true);
      pool.release([block]);
    }), { numRuns: 200 });
    expect(() => pool.copyOf(new Uint8Array(BLOCK_SIZE + 1))).toThrow(RangeError); // never a silent cut
  });

  it('ignores buffers that are not its own', () => {
    const pool = new BlockPool();
    pool.release([new Uint8Array(BLOCK_SIZE), new Uint8Array(new SharedArrayBuffer(BLOCK_SIZE))]);
    pool.copyOf(new Uint8Array(10));
    expect(pool.allocated).toBe(64);
  });

  it('trim lets go of idle blocks, and of blocks given back later, until the pool is used again', () => {
    const pool = new BlockPool();
    const data = new Uint8Array(BLOCK_SIZE).fill(1);
    const held = Array.from({ length: 10 }, () => pool.copyOf(data));
    pool.release(held.slice(0, 5));
    expect(pool.idle).toBe(59); // 64 created, 5 still in use
    pool.trim();
    expect(pool.idle).toBe(0);
    pool.release(held.slice(5)); // in use at the trim: let go as they come back
    expect(pool.idle).toBe(0);
    const again = pool.copyOf(data); // used again: a new slab, and blocks are kept again
    expect(pool.allocated).toBe(128);
    pool.release([again]);
    expect(pool.idle).toBe(64);
  });
});
