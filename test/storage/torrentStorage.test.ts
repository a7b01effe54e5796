import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { TorrentStorage } from '../../src/storage/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

/** Pieces of 3 blocks + 1000 bytes (not a power of two) running across every file boundary. */
const FILES: FileSpec[] = [
  { path: ['t', 'a.bin'], length: 40_000 },
  { path: ['t', 'empty'], length: 0 },
  { path: ['t', 'sub', 'b.bin'], length: 70_001 },
  { path: ['t', '.pad', '1000'], length: 1000, padding: true },
  { path: ['t', 'c.bin'], length: 33_333 },
];
const PIECE = 3 * BLOCK_SIZE + 1000;

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-storage-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openOk = async (m: Metainfo, maxOpenFiles?: number): Promise<TorrentStorage> => {
  const r = await TorrentStorage.open(dir, m, maxOpenFiles === undefined ? {} : { maxOpenFiles });
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

/** Every block of every piece, as [index, begin, bytes]. */
const blocksOf = (m: Metainfo, content: Uint8Array): [number, number, Uint8Array][] => {
  const out: [number, number, Uint8Array][] = [];
  for (let i = 0; i < m.pieceCount; i++) {
    const size = Math.min(m.pieceLength, m.totalLength - i * m.pieceLength);
    for (let b = 0; b < size; b += BLOCK_SIZE) {
      out.push([i, b, content.subarray(i * m.pieceLength + b, i * m.pieceLength + Math.min(size, b + BLOCK_SIZE))]);
    }
  }
  return out;
};

describe('TorrentStorage', () => {
  it('writes blocks in any order across files, verifies, and reads them back', async () => {
    const content = contentFor(FILES, 7);
    const m = syntheticTorrent(FILES, PIECE, content);
    expect(m.pieceCount).toBe(3);
    const s = await openOk(m, 2); // fewer handles than files: the LRU must juggle
    const blocks = blocksOf(m, content).reverse();
    const writes = await Promise.all(blocks.map(([i, b, data]) => s.writeBlock(i, b, data)));
    expect(writes.every(E.isRight)).toBe(true);
    for (let i = 0; i < m.pieceCount; i++) expect(await s.verifyPiece(i)).toBe(true);
    for (const [i, b, data] of blocks) {
      const r = await s.readBlock(i, b, data.length);
      expect(E.isRight(r) && Buffer.from(r.right).equals(data)).toBe(true);
    }
    expect(E.isRight(await s.close())).toBe(true);
    expect((await stat(join(dir, 't', 'empty'))).size).toBe(0);
    await expect(stat(join(dir, 't', '.pad', '1000'))).rejects.toThrow(); // BEP 47: never written
    expect(Buffer.from(await readFile(join(dir, 't', 'sub', 'b.bin'))).equals(content.subarray(40_000, 110_001))).toBe(true);
  });

  it('verify waits for writes still in flight', async () => {
    const content = contentFor(FILES, 8);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openOk(m);
    const pending = blocksOf(m, content).filter(([i]) => i === 1).map(([i, b, d]) => s.writeBlock(i, b, d));
    expect(await s.verifyPiece(1)).toBe(true); // started before any write finished
    await Promise.all(pending);
    await s.close();
  });

  it('fails verification for corrupted data, and refuses writes to verified pieces', async () => {
    const content = contentFor(FILES, 9);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openOk(m);
    const piece2 = blocksOf(m, content).filter(([i]) => i === 2);
    for (const [i, b, d] of piece2) {
      const bad = d.slice();
      if (b === 0) bad[17] = (bad[17] ?? 0) ^ 1;
      await s.writeBlock(i, b, bad);
    }
    expect(await s.verifyPiece(2)).toBe(false);
    expect(s.isVerified(2)).toBe(false);
    await s.writeBlock(2, 0, piece2[0]![2]);
    expect(await s.verifyPiece(2)).toBe(true);
    const again = await s.writeBlock(2, 0, new Uint8Array(BLOCK_SIZE));
    expect(E.isLeft(again) && again.left.code).toBe('piece-verified');
    expect(await s.verifyPiece(2)).toBe(true);
    await s.close();
  });

  it('reads padding as zeros and reports missing data as a value', async () => {
    const files: FileSpec[] = [
      { path: ['p', 'x'], length: 10 },
      { path: ['p', '.pad', '6'], length: 6, padding: true },
      { path: ['p', 'y'], length: 16 },
    ];
    const content = contentFor(files, 3);
    const m = syntheticTorrent(files, 16, content);
    const s = await openOk(m);
    const missing = await s.readBlock(0, 0, 16);
    expect(E.isLeft(missing) && missing.left.message).toMatch(/^cannot read .*p\/x: ENOENT \(no such file or directory\)$/);
    await s.writeBlock(0, 0, content.subarray(0, 16));
    const r = await s.readBlock(0, 8, 8);
    expect(E.isRight(r) && [...r.right]).toEqual([...content.subarray(8, 10), 0, 0, 0, 0, 0, 0]);
    const short = await s.readBlock(1, 0, 16);
    expect(E.isLeft(short) && short.left.code).toBe('io');
    expect(await s.verifyPiece(0)).toBe(true);
    await s.close();
  });

  it('rejects out-of-range blocks and use after close', async () => {
    const m = syntheticTorrent(FILES, PIECE, contentFor(FILES, 1));
    const s = await openOk(m);
    for (const [i, b, n] of [[3, 0, 1], [0, PIECE - 1, 2], [0, -1, 1], [2, 0, 0]] as const) {
      const r = await s.writeBlock(i, b, new Uint8Array(n));
      expect(E.isLeft(r) && r.left.code).toBe('out-of-range');
    }
    await s.close();
    const r = await s.readBlock(0, 0, 1);
    expect(E.isLeft(r) && r.left.code).toBe('closed');
  });

  it('reports an OS refusal as a one-line error value', async () => {
    const files: FileSpec[] = [{ path: ['d', 'f'], length: 5 }];
    const m = syntheticTorrent(files, 4, contentFor(files, 2));
    await mkdir(join(dir, 'd', 'f'), { recursive: true }); // a folder where the file should be
    const s = await openOk(m);
    const r = await s.writeBlock(0, 0, new Uint8Array(4));
    expect(E.isLeft(r) && r.left.message).toBe(`cannot write ${join(dir, 'd', 'f')}: EISDIR (is a folder, not a file)`);
    await s.close();
  });

  it('refuses file paths that escape the download folder', async () => {
    for (const path of [['..', 'evil'], ['t', '..', '..', 'evil'], ['/etc', 'passwd'], ['t', '..']]) {
      const files: FileSpec[] = [{ path, length: 4 }];
      const r = await TorrentStorage.open(dir, syntheticTorrent(files, 4, new Uint8Array(4)));
      expect(E.isLeft(r) && r.left.code).toBe('path-escape');
    }
    await expect(stat(join(dir, '..', 'evil'))).rejects.toThrow();
  });
});

/** `nobody` on Debian (and most Linux systems). */
const NOBODY = 65534;

/**
 * Runs `f` as a user who may read but not write the files a test made read-only: root ignores
 * file modes, so as root (CI) the process takes nobody's effective uid and gid for the duration
 * (the saved uid stays 0, so it can switch back); anyone else runs `f` as themselves.
 */
async function asUserWithoutWriteAccess<T>(f: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return f();
  if (process.seteuid === undefined || process.setegid === undefined) throw new Error('cannot drop root here (worker thread?)');
  process.setegid(NOBODY);
  process.seteuid(NOBODY);
  try {
    return await f();
  } finally {
    process.seteuid(0);
    process.setegid(0);
  }
}

describe('TorrentStorage on read-only files', () => {
  it('still serves and verifies a file it may not write; a write through it fails as a value', async () => {
    const files: FileSpec[] = [{ path: ['ro', 'f'], length: 20 }];
    const content = contentFor(files, 5);
    const m = syntheticTorrent(files, 8, content);
    const s1 = await openOk(m);
    for (let i = 0; i < 3; i++) await s1.writeBlock(i, 0, content.subarray(i * 8, Math.min(20, i * 8 + 8)));
    await s1.close();
    await chmod(join(dir, 'ro', 'f'), 0o444);
    await chmod(dir, 0o755); // mkdtemp's 0700 would keep nobody out of the folder altogether
    await asUserWithoutWriteAccess(async () => {
      const s2 = await openOk(m);
      expect(await s2.verifyPiece(2)).toBe(true);
      const r = await s2.readBlock(1, 0, 8);
      expect(E.isRight(r) && Buffer.from(r.right).equals(content.subarray(8, 16))).toBe(true);
      // the handle is read-only (the fallback), not read-write
      const w = await s2.writeBlock(0, 0, content.subarray(0, 8));
      expect(E.isLeft(w) && w.left.message).toMatch(/EBADF/);
      await s2.close();
    });
    expect(Buffer.from(await readFile(join(dir, 'ro', 'f'))).equals(Buffer.from(content))).toBe(true);
  });
});

describe('TorrentStorage.open', () => {
  it('refuses two files mapping to the same path', async () => {
    const files: FileSpec[] = [
      { path: ['t', 'same'], length: 4 },
      { path: ['t', 'same'], length: 4 },
    ];
    const r = await TorrentStorage.open(dir, syntheticTorrent(files, 4, new Uint8Array(8)));
    expect(E.isLeft(r) && r.left.message).toMatch(/two files map to/);
  });
});
