import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { BLOCK_SIZE, Bitfield } from '../../src/pieces/index.js';
import { TorrentStorage, resumeCheck } from '../../src/storage/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

const FILES: FileSpec[] = [
  { path: ['r', 'one'], length: 50_000 },
  { path: ['r', 'zero'], length: 0 },
  { path: ['r', 'two'], length: 90_000 },
  { path: ['r', '.pad', 'p'], length: 2_000, padding: true },
  { path: ['r', 'three'], length: 31_111 },
];
const PIECE = 2 * BLOCK_SIZE + 123;

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-resume-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openOk = async (m: Metainfo): Promise<TorrentStorage> => {
  const r = await TorrentStorage.open(dir, m);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

const writeBlocks = async (s: TorrentStorage, m: Metainfo, content: Uint8Array, index: number, keep: (block: number) => boolean = () => true): Promise<void> => {
  const size = s.pieceSize(index);
  for (let b = 0; b * BLOCK_SIZE < size; b++) {
    if (!keep(b)) continue;
    const at = index * m.pieceLength + b * BLOCK_SIZE;
    const r = await s.writeBlock(index, b * BLOCK_SIZE, content.subarray(at, at + Math.min(BLOCK_SIZE, size - b * BLOCK_SIZE)));
    if (E.isLeft(r)) throw new Error(r.left.message);
  }
};

/** Naive model of what is on disk: read whole files, pad zeros, hash each piece where all bytes exist. */
const expectedHave = async (m: Metainfo): Promise<Bitfield> => {
  const bytes = new Uint8Array(m.totalLength);
  const present = new Uint8Array(m.totalLength);
  for (const f of m.files) {
    if (f.padding) {
      present.fill(1, f.offset, f.offset + f.length);
      continue;
    }
    const data = await readFile(join(dir, ...f.path)).catch(() => Buffer.alloc(0));
    const n = Math.min(data.length, f.length);
    bytes.set(data.subarray(0, n), f.offset);
    present.fill(1, f.offset, f.offset + n);
  }
  const have = new Bitfield(m.pieceCount);
  for (let i = 0; i < m.pieceCount; i++) {
    const from = i * m.pieceLength;
    const to = Math.min(m.totalLength, from + m.pieceLength);
    if (!present.subarray(from, to).every((x) => x === 1)) continue;
    const digest = createHash('sha1').update(bytes.subarray(from, to)).digest();
    if (digest.equals(m.pieces.subarray(i * 20, i * 20 + 20))) have.set(i);
  }
  return have;
};

/** Open file descriptors of this process pointing into `root` (Linux /proc). */
const fdsInto = (root: string): number => {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(root)) n++;
    } catch {
      // the descriptor closed while we looked (e.g. the one readdirSync used)
    }
  }
  return n;
};

describe('resumeCheck', () => {
  it('finds exactly the good pieces after a partial download, a truncated file and a flipped byte', async () => {
    const content = contentFor(FILES, 11);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s1 = await openOk(m);
    for (let i = 0; i < m.pieceCount; i++) if (i % 3 !== 1) await writeBlocks(s1, m, content, i);
    await s1.close();
    await truncate(join(dir, 'r', 'two'), 60_000);
    const fh = await open(join(dir, 'r', 'one'), 'r+');
    await fh.write(new Uint8Array([content[100]! ^ 0xff]), 0, 1, 100);
    await fh.close();

    const s2 = await openOk(m);
    const progress: number[] = [];
    const have = await resumeCheck(s2, { onProgress: (n, total) => progress.push(total === m.pieceCount ? n : -1) });
    const want = await expectedHave(m);
    expect([...have.setIndices()]).toEqual([...want.setIndices()]);
    expect(have.has(0)).toBe(false); // the flipped byte
    expect(have.count).toBeGreaterThan(0);
    expect(progress).toEqual(Array.from({ length: m.pieceCount }, (_, i) => i + 1));
    for (const i of have.setIndices()) expect(s2.isVerified(i)).toBe(true);
    await s2.close();
  });

  it('a download killed at any moment and restarted finishes with correct files', async () => {
    const content = contentFor(FILES, 12);
    const m = syntheticTorrent(FILES, PIECE, content);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: m.pieceCount - 1 }), fc.nat({ max: 7 })), { maxLength: 12 }), async (written) => {
        await rm(join(dir, 'r'), { recursive: true, force: true });
        const s1 = await openOk(m);
        // Killed mid-download: some pieces fully written, others only some blocks.
        for (const [i, mask] of written) await writeBlocks(s1, m, content, i, (b) => ((mask >> b) & 1) === 1);
        await s1.close();

        const s2 = await openOk(m);
        const have = await resumeCheck(s2);
        for (let i = 0; i < m.pieceCount; i++) {
          if (have.has(i)) continue;
          await writeBlocks(s2, m, content, i);
          expect(await s2.verifyPiece(i)).toBe(true);
        }
        await s2.close();
        for (const f of m.files) {
          if (f.padding) continue;
          const data = await readFile(join(dir, ...f.path));
          expect(Buffer.from(data).equals(content.subarray(f.offset, f.offset + f.length))).toBe(true);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('skips pieces whose files are missing or too short without reading them', async () => {
    const content = contentFor(FILES, 14);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s1 = await openOk(m);
    await writeBlocks(s1, m, content, 0);
    await s1.close();
    const s2 = await openOk(m);
    const verify = vi.spyOn(s2, 'verifyPieceResult');
    const have = await resumeCheck(s2);
    expect([...have.setIndices()]).toEqual([0]);
    // Piece 0 lies inside the written prefix of file one; every other piece reaches past it.
    expect(verify.mock.calls.map(([i]) => i)).toEqual([0]);
    await s2.close();
  });

  it('stops early when aborted', async () => {
    const m = syntheticTorrent(FILES, PIECE, contentFor(FILES, 13));
    const s = await openOk(m);
    const ac = new AbortController();
    let calls = 0;
    await resumeCheck(s, {
      signal: ac.signal,
      onProgress: () => {
        calls++;
        ac.abort();
      },
    });
    expect(calls).toBe(1);
    await s.close();
  });
  it('close() during the check ends it promptly and leaves no file open', async () => {
    // pieces of 4 MiB, hashed 1 MiB at a time: close lands in the middle of a piece
    const big = 4 * 1024 * 1024;
    const files: FileSpec[] = [{ path: ['big', 'data.bin'], length: 3 * big + 1000 }];
    const content = contentFor(files, 15);
    const m = syntheticTorrent(files, big, content);
    await mkdir(join(dir, 'big'));
    await writeFile(join(dir, 'big', 'data.bin'), content);
    const s = await openOk(m);
    expect(fdsInto(dir)).toBe(0);
    const progress: number[] = [];
    let done = false;
    const check = resumeCheck(s, { onProgress: (n) => progress.push(n) }).finally(() => (done = true));
    // wait for the real event: the check has the file open (it stays open until close)
    while (fdsInto(dir) === 0 && !done) await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    expect(E.isRight(await s.close())).toBe(true);
    const have = await check;
    expect(progress.length).toBeLessThan(m.pieceCount);
    // every piece checked before close is good data, and nothing after it counts
    expect([...have.setIndices()]).toEqual(progress.map((n) => n - 1));
    expect(fdsInto(dir)).toBe(0);
  });
});
