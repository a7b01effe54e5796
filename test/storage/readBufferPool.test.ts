import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadBufferPool, SMALLEST_READ_BUFFER } from '../../src/storage/readBufferPool.js';

const SIZE = 64 * 1024;

describe('ReadBufferPool (recycled buffers for seeding reads)', () => {
  it('hands out views of exactly the asked length, and reuses a buffer once it is given back', () => {
    const pool = new ReadBufferPool(SIZE, 4);
    const a = pool.acquire(SIZE);
    const b = pool.acquire(1000);
    expect(a.length).toBe(SIZE);
    expect(b.length).toBe(1000);
    expect(b.buffer).not.toBe(a.buffer);
    pool.release(b);
    pool.release(a);
    expect(pool.idle).toBe(2);
    const c = pool.acquire(SIZE);
    expect(c.buffer).toBe(a.buffer); // recycled, no new allocation
    expect(c.length).toBe(SIZE);
    const d = pool.acquire(2000);
    expect(d.buffer).toBe(b.buffer); // the small one, for a small read
    expect(pool.idle).toBe(0);
  });

  it('a read gets the smallest power-of-two buffer from one block up that holds it, never one of over twice its size', () => {
    const pool = new ReadBufferPool(SIZE, 4);
    expect(pool.acquire(1).buffer.byteLength).toBe(SMALLEST_READ_BUFFER);
    expect(pool.acquire(16_384).buffer.byteLength).toBe(16_384);
    expect(pool.acquire(16_385).buffer.byteLength).toBe(32_768);
    expect(pool.acquire(40_000).buffer.byteLength).toBe(SIZE);
    expect(pool.acquire(SIZE).buffer.byteLength).toBe(SIZE);
    fc.assert(
      fc.property(fc.integer({ min: SMALLEST_READ_BUFFER, max: SIZE }), (n) => {
        const b = pool.acquire(n);
        expect(b.buffer.byteLength).toBeGreaterThanOrEqual(n);
        expect(b.buffer.byteLength).toBeLessThan(2 * n);
        pool.release(b);
      }),
    );
  });

  it('a buffer given back twice (also after it was lent again), or one it never lent, is ignored: no buffer is ever lent twice at once', () => {
    const pool = new ReadBufferPool(SIZE, 4);
    const a = pool.acquire(SIZE);
    pool.release(a);
    pool.release(a); // a second callback for the same write must not free it twice
    pool.release(new Uint8Array(SIZE)); // not ours
    pool.release(a.subarray(0, 10)); // a view of it, not the one lent
    expect(pool.idle).toBe(1);
    const x = pool.acquire(SIZE);
    expect(x.buffer).toBe(a.buffer);
    pool.release(a); // late: the buffer now belongs to x's holder
    expect(pool.idle).toBe(0);
    const y = pool.acquire(SIZE);
    expect(x.buffer).not.toBe(y.buffer);
  });

  it('keeps at most maxFree idle buffers, and never pools reads larger than its buffers', () => {
    const pool = new ReadBufferPool(SIZE, 2);
    const lent = [1, 2, 3, 4].map(() => pool.acquire(SIZE));
    for (const b of lent) pool.release(b);
    expect(pool.idle).toBe(2);
    const big = pool.acquire(SIZE + 1);
    expect(big.length).toBe(SIZE + 1);
    pool.release(big);
    expect(pool.idle).toBe(2);
  });

  it('a full pool keeps what was given back last: after a burst of small reads, whole-run reads are recycled again', () => {
    const pool = new ReadBufferPool(SIZE, 2);
    const small = [1, 2, 3].map(() => pool.acquire(1000));
    for (const b of small) pool.release(b);
    expect(pool.idle).toBe(2);
    const big = pool.acquire(SIZE);
    pool.release(big);
    expect(pool.idle).toBe(2);
    expect(pool.acquire(SIZE).buffer).toBe(big.buffer);
    expect(pool.acquire(1000).buffer).toBe(small[2]!.buffer); // the newest small one stayed
    expect(pool.idle).toBe(0);
  });

  it('property: over any sequence of acquires and releases (double ones too), buffers lent at the same time never share memory', () => {
    const op = fc.oneof(fc.record({ acquire: fc.integer({ min: 1, max: SIZE }) }), fc.record({ release: fc.nat(20), twice: fc.boolean() }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 0, max: 5 }), (ops, maxFree) => {
        const pool = new ReadBufferPool(SIZE, maxFree);
        const lent: Uint8Array[] = [];
        const given: Uint8Array[] = [];
        for (const o of ops) {
          if ('acquire' in o) {
            const b = pool.acquire(o.acquire);
            expect(b.length).toBe(o.acquire);
            expect(lent.some((l) => l.buffer === b.buffer)).toBe(false);
            lent.push(b);
          } else if (lent.length > 0) {
            const [b] = lent.splice(o.release % lent.length, 1);
            pool.release(b!);
            given.push(b!);
            if (o.twice) pool.release(b!);
          } else if (given.length > 0) {
            pool.release(given[o.release % given.length]!); // a late duplicate callback
          }
          expect(pool.idle).toBeLessThanOrEqual(maxFree);
        }
      }),
    );
  });
});
