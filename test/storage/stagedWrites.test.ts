import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { DiskWriter } from '../../src/storage/diskWriter.js';
import { BLOCK_STAGED, TorrentStorage, type TorrentStorageOptions } from '../../src/storage/index.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

/** Pieces of 4 blocks running across file boundaries, with a padding file and a short last piece. */
const FILES: FileSpec[] = [
  { path: ['s', 'a.bin'], length: 50_000 },
  { path: ['s', 'b.bin'], length: 90_001 },
  { path: ['s', '.pad', '500'], length: 500, padding: true },
  { path: ['s', 'c.bin'], length: 30_000 },
];
const PIECE = 4 * BLOCK_SIZE;

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-staged-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openIn = async (root: string, m: Metainfo, options: TorrentStorageOptions = {}): Promise<TorrentStorage> => {
  const r = await TorrentStorage.open(root, m, options);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

const blocksOf = (m: Metainfo, content: Uint8Array): [number, number, Uint8Array][] => {
  const out: [number, number, Uint8Array][] = [];
  for (let i = 0; i < m.pieceCount; i++) {
    const size = Math.min(m.pieceLength, m.totalLength - i * m.pieceLength);
    for (let b = 0; b < size; b += BLOCK_SIZE) out.push([i, b, content.subarray(i * m.pieceLength + b, i * m.pieceLength + Math.min(size, b + BLOCK_SIZE))]);
  }
  return out;
};

const fileBytes = async (root: string, path: readonly string[]): Promise<Buffer> => readFile(join(root, ...path));

describe('TorrentStorage block staging', () => {
  it('holds blocks until their piece is whole, then writes the piece', async () => {
    const content = contentFor(FILES, 11);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openIn(dir, m);
    const piece0 = blocksOf(m, content).filter(([i]) => i === 0);
    for (const [i, b, d] of piece0.slice(0, -1)) {
      const staged = s.writeBlock(i, b, d);
      expect(staged).toBe(BLOCK_STAGED); // the shared settled success a downloader need not wait on
      expect(E.isRight(await staged)).toBe(true);
    }
    // nothing reached the disk yet: the file is created by the piece's single write
    await expect(stat(join(dir, 's', 'a.bin'))).rejects.toThrow();
    const [i, b, d] = piece0.at(-1)!;
    const last = s.writeBlock(i, b, d);
    expect(last).not.toBe(BLOCK_STAGED); // this one writes the piece: its outcome matters
    expect(E.isRight(await last)).toBe(true);
    const a = await fileBytes(dir, ['s', 'a.bin']);
    expect(a.subarray(0, 50_000).equals(content.subarray(0, 50_000))).toBe(true);
    expect(await s.verifyPiece(0)).toBe(true);
    await s.close();
  });

  it('verifies a piece written whole from the digest taken in memory, without reading it back', async () => {
    const content = contentFor(FILES, 15);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openIn(dir, m);
    await Promise.all(blocksOf(m, content).filter(([i]) => i === 0).map(([i, b, d]) => s.writeBlock(i, b, d)));
    // damage the file behind the storage's back: a read-back check would now fail
    await writeFile(join(dir, 's', 'a.bin'), new Uint8Array(50_000));
    expect(await s.verifyPiece(0)).toBe(true);
    await s.close();
  });

  it('writes incomplete pieces out on close and when verifying them', async () => {
    const content = contentFor(FILES, 12);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openIn(dir, m);
    const [, b0, d0] = blocksOf(m, content).find(([i]) => i === 1)!;
    await s.writeBlock(1, b0, d0);
    expect(await s.verifyPiece(1)).toBe(false); // incomplete: written, read back, mismatch
    const [, b2, d2] = blocksOf(m, content).find(([i]) => i === 2)!;
    await s.writeBlock(2, b2, d2);
    expect(E.isRight(await s.close())).toBe(true);
    const b = await fileBytes(dir, ['s', 'b.bin']);
    // piece 1 starts at 65536 (inside b.bin at 15536), piece 2 at 131072 (b.bin at 81072)
    expect(b.subarray(15_536, 15_536 + BLOCK_SIZE).equals(content.subarray(PIECE, PIECE + BLOCK_SIZE))).toBe(true);
    expect(b.subarray(81_072, 90_001).equals(content.subarray(2 * PIECE, 2 * PIECE + 90_001 - 81_072))).toBe(true);
  });

  it('a rewritten block replaces the held copy, and the digest follows the new data', async () => {
    const content = contentFor(FILES, 13);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openIn(dir, m);
    const piece0 = blocksOf(m, content).filter(([i]) => i === 0);
    const bad = piece0[0]![2].slice();
    bad[5] = (bad[5] ?? 0) ^ 0xff;
    await s.writeBlock(0, 0, bad);
    await s.writeBlock(0, 0, piece0[0]![2]);
    for (const [i, b, d] of piece0.slice(1)) await s.writeBlock(i, b, d);
    expect(await s.verifyPiece(0)).toBe(true);
    await s.close();
  });

  const writer = new DiskWriter();
  afterAll(() => writer.close());
  it.each([
    ['a disk writer worker', writer],
    ["libuv's pool (diskWriter: false)", false as const],
  ])('property: any block order and memory budget give verified pieces and identical files, written by %s', async (_, diskWriter) => {
    const content = contentFor(FILES, 14);
    const m = syntheticTorrent(FILES, PIECE, content);
    const all = blocksOf(m, content);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(all.map((_, k) => k), { minLength: all.length, maxLength: all.length }),
        fc.constantFrom(0, BLOCK_SIZE, 3 * BLOCK_SIZE, 5 * BLOCK_SIZE, 32 * 1024 * 1024),
        async (order, maxStagedBytes) => {
          const root = join(dir, `run${run++}`);
          const s = await openIn(root, m, { maxStagedBytes, diskWriter });
          const results = await Promise.all(order.map((k) => s.writeBlock(...all[k]!)));
          expect(results.every(E.isRight)).toBe(true);
          for (let i = 0; i < m.pieceCount; i++) expect(await s.verifyPiece(i)).toBe(true);
          expect(E.isRight(await s.close())).toBe(true);
          let at = 0;
          for (const f of FILES) {
            if (f.padding !== true) expect((await fileBytes(root, f.path)).equals(content.subarray(at, at + f.length))).toBe(true);
            at += f.length;
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
