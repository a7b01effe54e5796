import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { DiskWriter } from '../../src/storage/diskWriter.js';
import { HashWorkers, TorrentStorage, type TorrentStorageOptions } from '../../src/storage/index.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

/** Piece 0 (4 blocks): blocks 0-1 in x/a.bin, blocks 2-3 in y/b.bin, so one file can be made unwritable. */
const FILES: FileSpec[] = [
  { path: ['x', 'a.bin'], length: 2 * BLOCK_SIZE },
  { path: ['y', 'b.bin'], length: 3 * BLOCK_SIZE + 777 },
];
const PIECE = 4 * BLOCK_SIZE;

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-verify-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openOk = async (m: Metainfo, options: TorrentStorageOptions = {}): Promise<TorrentStorage> => {
  const r = await TorrentStorage.open(dir, m, options);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

const block = (content: Uint8Array, index: number, begin: number, m: Metainfo): Uint8Array => {
  const at = index * m.pieceLength + begin;
  return content.subarray(at, Math.min(at + BLOCK_SIZE, (index + 1) * m.pieceLength, m.totalLength));
};

/** Replaces folder y with a regular file: opening y/b.bin then fails with ENOTDIR, even as root. */
const breakFolderY = async (): Promise<void> => {
  await rm(join(dir, 'y'), { recursive: true, force: true });
  await writeFile(join(dir, 'y'), 'not a folder');
};

const expectOneLine = (message: string): void => {
  expect(message.length).toBeGreaterThan(0);
  expect(message).not.toMatch(/[\r\n]/);
};

const writer = new DiskWriter();
afterAll(() => writer.close());
/** The two ways a piece's blocks reach the disk (see PieceWriter). */
const WRITE_PATHS: [string, DiskWriter | false][] = [
  ["libuv's pool", false],
  ['the disk writer worker', writer],
];

describe('TorrentStorage.verifyPieceResult', () => {
  it.each(WRITE_PATHS)('a failed write of the held blocks through %s is Left (a local problem) naming the file, not a mismatch', async (_, diskWriter) => {
    const content = contentFor(FILES, 21);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openOk(m, { diskWriter });
    await breakFolderY();
    // held in memory (the piece is incomplete); verifying writes them out: block 2 cannot land
    expect(E.isRight(await s.writeBlock(0, 0, block(content, 0, 0, m)))).toBe(true);
    expect(E.isRight(await s.writeBlock(0, 2 * BLOCK_SIZE, block(content, 0, 2 * BLOCK_SIZE, m)))).toBe(true);
    const r = await s.verifyPieceResult(0);
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.code).toBe('io');
      expect(r.left.message).toContain(join(dir, 'y', 'b.bin'));
      expect(r.left.message).toContain('ENOTDIR');
      expectOneLine(r.left.message);
    }
    expect(s.isVerified(0)).toBe(false);
    await s.close();
  });

  it.each(WRITE_PATHS)('a write that fails after its file opened, in %s, is Left naming the file and its code, and forgets the digest', async (_, diskWriter) => {
    const content = contentFor(FILES, 27);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openOk(m, { diskWriter });
    // y/b.bin a named pipe: opening it read-write succeeds (Linux), a positioned write fails with ESPIPE
    const pipe = join(dir, 'y', 'b.bin');
    execFileSync('mkfifo', [pipe]);
    // blocks 0-1 held; block 3 completes the piece (hashed from memory) and writes it: x/a.bin, then the pipe
    for (const b of [0, 1, 2]) expect(E.isRight(await s.writeBlock(0, b * BLOCK_SIZE, block(content, 0, b * BLOCK_SIZE, m)))).toBe(true);
    const w = await s.writeBlock(0, 3 * BLOCK_SIZE, block(content, 0, 3 * BLOCK_SIZE, m));
    expect(w).toEqual(E.left(expect.objectContaining({ code: 'io', message: `cannot write ${pipe}: ESPIPE (not a regular file: a pipe or socket?)` })));
    // the file before the pipe was written
    expect(readFileSync(join(dir, 'x', 'a.bin')).equals(content.subarray(0, 2 * BLOCK_SIZE))).toBe(true);
    // nothing is left counted as waiting for the disk
    expect([s.queuedBytes, s.backlogBytes]).toEqual([0, 0]);
    // the check reports the failed write (a local problem), not a verdict on the data
    const r = await s.verifyPieceResult(0);
    expect(r).toEqual(w);
    if (E.isLeft(r)) expectOneLine(r.left.message);
    expect(s.isVerified(0)).toBe(false);
    // the digest of the blocks that did not land is gone: a second check reads the pipe back, and
    // fails, rather than passing on the hash of what was in memory
    const again = await s.verifyPieceResult(0);
    expect(again).toEqual(E.left(expect.objectContaining({ code: 'io', message: `cannot read ${pipe}: ESPIPE (not a regular file: a pipe or socket?)` })));
    expect(s.isVerified(0)).toBe(false);
    // closing settles, naming the file it could not flush (fdatasync of a pipe fails with EINVAL)
    expect(await s.close()).toEqual(E.left(expect.objectContaining({ code: 'io', message: `cannot flush ${pipe}: EINVAL (invalid argument: not a regular file, or a file system that refuses this operation)` })));
    expect(await s.readBlock(0, 0, BLOCK_SIZE)).toEqual(E.left(expect.objectContaining({ code: 'closed' })));
  });

  it('waits for an earlier spilled write of the piece before reporting a failed flush', async () => {
    // one 4 MiB piece: all but its last block in x/a.bin, the last block in y/b.bin
    const n = 256;
    const files: FileSpec[] = [
      { path: ['x', 'a.bin'], length: (n - 1) * BLOCK_SIZE },
      { path: ['y', 'b.bin'], length: BLOCK_SIZE },
    ];
    const content = contentFor(files, 22);
    const m = syntheticTorrent(files, n * BLOCK_SIZE, content);
    // the budget is passed by the (n-1)th block: those 4 MiB go to disk early in one long write
    const s = await openOk(m, { maxStagedBytes: (n - 2) * BLOCK_SIZE });
    await breakFolderY();
    for (let b = 0; b < n - 2; b++) expect(E.isRight(await s.writeBlock(0, b * BLOCK_SIZE, block(content, 0, b * BLOCK_SIZE, m)))).toBe(true);
    const spill = s.writeBlock(0, (n - 2) * BLOCK_SIZE, block(content, 0, (n - 2) * BLOCK_SIZE, m));
    // held again, destined for the broken folder, while the spill is still being written
    expect(E.isRight(await s.writeBlock(0, (n - 1) * BLOCK_SIZE, block(content, 0, (n - 1) * BLOCK_SIZE, m)))).toBe(true);
    const r = await s.verifyPieceResult(0);
    // a finished spill settles within microtasks, long before the next event-loop turn
    const spillDoneAtVerdict = await Promise.race([spill.then(() => true), new Promise<boolean>((ok) => setImmediate(() => ok(false)))]);
    expect(spillDoneAtVerdict).toBe(true);
    expect(E.isRight(await spill)).toBe(true);
    expect(readFileSync(join(dir, 'x', 'a.bin')).equals(content.subarray(0, (n - 1) * BLOCK_SIZE))).toBe(true);
    expect(E.isLeft(r) && r.left.code === 'io' && r.left.message.includes('ENOTDIR')).toBe(true);
    await s.close();
  });

  it('wrong data is Right(false), right data Right(true)', async () => {
    const content = contentFor(FILES, 23);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openOk(m);
    for (let b = 0; b < PIECE; b += BLOCK_SIZE) {
      const d = block(content, 0, b, m).slice();
      if (b === BLOCK_SIZE) d[9] = (d[9] ?? 0) ^ 1;
      expect(E.isRight(await s.writeBlock(0, b, d))).toBe(true);
    }
    expect(await s.verifyPieceResult(0)).toEqual(E.right(false));
    expect(E.isRight(await s.writeBlock(0, BLOCK_SIZE, block(content, 0, BLOCK_SIZE, m)))).toBe(true);
    // only one block rewritten: the digest is taken from disk, through a read-back
    expect(await s.verifyPieceResult(0)).toEqual(E.right(true));
    expect(s.isVerified(0)).toBe(true);
    await s.close();
  });

  it.each([false, true])('a missing file is Left, not a mismatch (hash workers: %s)', async (withWorkers) => {
    const content = contentFor(FILES, 24);
    const m = syntheticTorrent(FILES, PIECE, content);
    const workers = withWorkers ? new HashWorkers(1) : undefined;
    try {
      const s = await openOk(m, workers === undefined ? {} : { hashWorkers: workers });
      // piece 1 lies in y/b.bin, which nobody wrote
      const r = await s.verifyPieceResult(1);
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) {
        expect(r.left.code).toBe('io');
        expect(r.left.message).toContain('ENOENT');
        expectOneLine(r.left.message);
      }
      await s.close();
    } finally {
      await workers?.close();
    }
  });

  it('after close: verifyPieceResult and readBlock are Left closed', async () => {
    const content = contentFor(FILES, 25);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openOk(m);
    for (let b = 0; b < PIECE; b += BLOCK_SIZE) await s.writeBlock(0, b, block(content, 0, b, m));
    expect(E.isRight(await s.close())).toBe(true);
    const v = await s.verifyPieceResult(0);
    expect(E.isLeft(v) && v.left.code === 'closed').toBe(true);
    const rb = await s.readBlock(0, 0, BLOCK_SIZE);
    expect(E.isLeft(rb) && rb.left.code === 'closed').toBe(true);
    expect(await s.verifyPiece(0)).toBe(false);
  });

  it('a read racing with close stops at the next file instead of reopening it', async () => {
    const content = contentFor(FILES, 26);
    const m = syntheticTorrent(FILES, PIECE, content);
    const s = await openOk(m);
    for (let b = 0; b < PIECE; b += BLOCK_SIZE) await s.writeBlock(0, b, block(content, 0, b, m));
    // the block at 24 KiB spans both files; close lands while the first file is being read
    const read = s.readBlock(0, BLOCK_SIZE + BLOCK_SIZE / 2, BLOCK_SIZE);
    const closed = s.close();
    const r = await read;
    expect(E.isRight(await closed)).toBe(true);
    expect(E.isLeft(r) && r.left.code === 'closed').toBe(true);
  });
});
