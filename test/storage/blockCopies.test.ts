import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { TorrentStorage } from '../../src/storage/index.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

const FILES: FileSpec[] = [
  { path: ['k', 'a.bin'], length: 70_000 },
  { path: ['k', 'b.bin'], length: 60_000 },
];
const PIECE = 4 * BLOCK_SIZE;

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-copies-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TorrentStorage.writeBlock copies what it is given', () => {
  it('property: blocks passed in one reused buffer (a Buffer, as sockets give) that is overwritten after each call still land intact', async () => {
    const content = contentFor(FILES, 31);
    const m = syntheticTorrent(FILES, PIECE, content);
    const blocks: [number, number, number][] = [];
    for (let i = 0; i < m.pieceCount; i++) {
      const size = Math.min(m.pieceLength, m.totalLength - i * m.pieceLength);
      for (let b = 0; b < size; b += BLOCK_SIZE) blocks.push([i, b, Math.min(BLOCK_SIZE, size - b)]);
    }
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(blocks.map((_, k) => k), { minLength: blocks.length, maxLength: blocks.length }),
        // 0: every block is written at once (no staging); otherwise staged, sometimes spilled early
        fc.constantFrom(0, 2 * BLOCK_SIZE, 32 * 1024 * 1024),
        async (order, maxStagedBytes) => {
          const root = join(dir, `run${run++}`);
          const opened = await TorrentStorage.open(root, m, { maxStagedBytes });
          if (E.isLeft(opened)) throw new Error(opened.left.message);
          const s = opened.right;
          const shared = Buffer.alloc(BLOCK_SIZE);
          const writes = order.map((k) => {
            const [i, b, len] = blocks[k]!;
            const start = i * m.pieceLength + b;
            shared.set(content.subarray(start, start + len));
            const w = s.writeBlock(i, b, shared.subarray(0, len));
            shared.fill(0xee); // the caller reuses its buffer at once
            return w;
          });
          expect((await Promise.all(writes)).every(E.isRight)).toBe(true);
          for (let i = 0; i < m.pieceCount; i++) expect(await s.verifyPiece(i)).toBe(true);
          expect(E.isRight(await s.close())).toBe(true);
          const a = await readFile(join(root, 'k', 'a.bin'));
          const b = await readFile(join(root, 'k', 'b.bin'));
          expect(a.equals(content.subarray(0, 70_000))).toBe(true);
          expect(b.equals(content.subarray(70_000))).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  });
});
