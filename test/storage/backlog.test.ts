import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { HashWorkers, TorrentStorage, type TorrentStorageOptions } from '../../src/storage/index.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

const FILES: FileSpec[] = [{ path: ['b', 'x.bin'], length: 6 * 4 * BLOCK_SIZE - 999 }];
const PIECE = 4 * BLOCK_SIZE;

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-backlog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TorrentStorage.backlogBytes (what a downloader waits on before requesting more)', () => {
  for (const [name, options] of [
    ['hash worker', { hashWorkers: HashWorkers.shared() }],
    ['main-thread hashing', {}],
    ['no staging', { maxStagedBytes: 0 }],
  ] as [string, TorrentStorageOptions][]) {
    it(`counts completed pieces until written and hashed, then drains to zero (${name})`, async () => {
      const content = contentFor(FILES, 3);
      const m = syntheticTorrent(FILES, PIECE, content);
      const opened = await TorrentStorage.open(dir, m, options);
      if (E.isLeft(opened)) throw new Error(opened.left.message);
      const s = opened.right;
      expect(s.backlogBytes).toBe(0);
      await s.backlogBelow(0); // nothing held: at once
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < m.pieceCount; i++) {
        const size = s.pieceSize(i);
        for (let b = 0; b < size; b += BLOCK_SIZE) writes.push(s.writeBlock(i, b, content.subarray(i * PIECE + b, i * PIECE + Math.min(size, b + BLOCK_SIZE))));
      }
      // every piece is complete and on its way to disk; none has finished yet (no await so far)
      expect(s.backlogBytes).toBe(m.totalLength);
      let drained = false;
      const below = s.backlogBelow(PIECE).then(() => (drained = true));
      await Promise.all(writes);
      await below;
      expect(drained).toBe(true);
      await s.backlogBelow(0);
      expect(s.backlogBytes).toBe(0);
      for (let i = 0; i < m.pieceCount; i++) expect(await s.verifyPiece(i)).toBe(true);
      await s.close();
    });
  }

  it('releases waiters when closed', async () => {
    const content = contentFor(FILES, 4);
    const m = syntheticTorrent(FILES, PIECE, content);
    const opened = await TorrentStorage.open(dir, m);
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const s = opened.right;
    for (let b = 0; b < PIECE; b += BLOCK_SIZE) void s.writeBlock(0, b, content.subarray(b, b + BLOCK_SIZE));
    const waiting = s.backlogBelow(0);
    await s.close();
    await waiting;
    expect(s.backlogBytes).toBe(0);
  });
});
