import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { TorrentStorage } from '../../src/storage/index.js';
import { contentFor, syntheticTorrent, verifiedStorage, type FileSpec } from './syntheticTorrent.js';

// pieces of 2.5 MiB across two files and a padding file, and a short last piece
const MiB = 1024 * 1024;
const FILES: FileSpec[] = [
  { path: ['r', 'a.bin'], length: 3 * MiB + 12_345 },
  { path: ['r', '.pad', 'p'], length: 4_000, padding: true },
  { path: ['r', 'b.bin'], length: 4 * MiB + 777 },
];
const PIECE = 2.5 * MiB;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-readahead-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TorrentStorage.readBlock of blocks and runs of blocks (seeding)', () => {
  it('property: any range of up to 1 MiB in any piece reads back exactly, in any order, also concurrently', async () => {
    // every piece written whole and verified (the helper throws otherwise)
    const { storage: s, metainfo: m, content } = await verifiedStorage(dir, FILES, PIECE, 21);
    const request = fc
      .integer({ min: 0, max: m.pieceCount - 1 })
      .chain((i) => fc.integer({ min: 0, max: s.pieceSize(i) - 1 }).chain((begin) => fc.tuple(fc.constant(i), fc.constant(begin), fc.integer({ min: 1, max: Math.min(MiB, s.pieceSize(i) - begin) }))));
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 40 }), async (reqs) => {
        const got = await Promise.all(reqs.map(([i, b, len]) => s.readBlock(i, b, len)));
        reqs.forEach(([i, b, len], k) => {
          const r = got[k]!;
          expect(E.isRight(r)).toBe(true);
          if (E.isRight(r)) expect(Buffer.from(r.right).equals(Buffer.from(content.subarray(i * PIECE + b, i * PIECE + b + len)))).toBe(true);
        });
      }),
      { numRuns: 30 },
    );
    await s.close();
    expect(E.isLeft(await s.readBlock(0, 0, 16))).toBe(true); // closed
  });

  it('reads what is on disk now, so a rewrite shows', async () => {
    const files: FileSpec[] = [{ path: ['u', 'x'], length: 2 * BLOCK_SIZE }];
    const content = contentFor(files, 5);
    const m = syntheticTorrent(files, 2 * BLOCK_SIZE, content);
    const opened = await TorrentStorage.open(join(dir, 'u'), m, { maxStagedBytes: 0 });
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const s = opened.right;
    await s.writeBlock(0, 0, new Uint8Array(BLOCK_SIZE).fill(1));
    const first = await s.readBlock(0, 0, 4);
    await s.writeBlock(0, 0, new Uint8Array(BLOCK_SIZE).fill(2));
    const second = await s.readBlock(0, 0, 4);
    expect(E.isRight(first) && [...first.right]).toEqual([1, 1, 1, 1]);
    expect(E.isRight(second) && [...second.right]).toEqual([2, 2, 2, 2]);
    await s.close();
  });
});
