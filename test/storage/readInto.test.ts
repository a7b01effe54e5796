import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadBufferPool, TorrentStorage } from '../../src/storage/index.js';
import { contentFor, syntheticTorrent, verifiedStorage, type FileSpec } from './syntheticTorrent.js';

// pieces spanning two files and a padding file (read as zeros), and a short last piece
const FILES: FileSpec[] = [
  { path: ['r', 'a.bin'], length: 300_000 },
  { path: ['r', '.pad', 'p'], length: 2_000, padding: true },
  { path: ['r', 'b.bin'], length: 250_001 },
];
const PIECE = 128 * 1024;
const RUN = 256 * 1024;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-readinto-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TorrentStorage.readBlockInto (seeding reads into recycled buffers)', () => {
  it('property: reads into reused, dirty buffers give exactly the bytes readBlock gives, padding as zeros', async () => {
    // every piece written whole and verified (the helper throws otherwise)
    const { storage: s, metainfo: m, content } = await verifiedStorage(dir, FILES, PIECE, 9);
    const pool = new ReadBufferPool(RUN, 4);
    // every pooled buffer starts dirty: a read must overwrite all of what it hands out
    const dirty = [pool.acquire(RUN), pool.acquire(RUN)];
    for (const b of dirty) pool.release(b.fill(0xee));
    const request = fc
      .integer({ min: 0, max: m.pieceCount - 1 })
      .chain((i) => fc.integer({ min: 0, max: s.pieceSize(i) - 1 }).chain((begin) => fc.tuple(fc.constant(i), fc.constant(begin), fc.integer({ min: 1, max: s.pieceSize(i) - begin }))));
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 8 }), async (reqs) => {
        const outs = reqs.map(([, , len]) => pool.acquire(len));
        const got = await Promise.all(reqs.map(([i, b], k) => s.readBlockInto(i, b, outs[k]!)));
        reqs.forEach(([i, b, len], k) => {
          const r = got[k]!;
          expect(E.isRight(r) && r.right).toBe(outs[k]);
          expect(Buffer.from(outs[k]!).equals(Buffer.from(content.subarray(i * PIECE + b, i * PIECE + b + len)))).toBe(true);
          pool.release(outs[k]!.fill(0xee));
        });
      }),
      { numRuns: 40 },
    );
    const outside = await s.readBlockInto(0, PIECE - 10, new Uint8Array(11));
    expect(E.isLeft(outside) && outside.left.code).toBe('out-of-range');
    await s.close();
    const closed = await s.readBlockInto(0, 0, new Uint8Array(16));
    expect(E.isLeft(closed) && closed.left.code).toBe('closed');
  });
});
