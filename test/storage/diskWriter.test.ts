import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/pieceGeometry.js';
import { DiskWriter } from '../../src/storage/diskWriter.js';
import { WORKER_AFTER_BYTES } from '../../src/storage/pieceWriter.js';
import { TorrentStorage } from '../../src/storage/torrentStorage.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

/** `n` bytes of shared memory (as the block pool's are), filled from `seed`. */
const filled = (n: number, seed: number): Uint8Array => {
  const v = new Uint8Array(new SharedArrayBuffer(n));
  for (let i = 0; i < n; i++) v[i] = (i * 31 + seed) & 0xff;
  return v;
};

describe('DiskWriter', () => {
  const writer = new DiskWriter();
  afterAll(() => writer.close());

  it('writes every part where it belongs, a block split over two files included, reading the blocks in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const a = await open(join(dir, 'a'), 'w+');
      const b = await open(join(dir, 'b'), 'w+');
      const one = filled(16384, 1);
      const two = filled(16384, 2);
      const out = await writer.write([
        { fd: a.fd, position: 100, view: one },
        { fd: a.fd, position: 100 + 16384, view: two.subarray(0, 5000) },
        { fd: b.fd, position: 0, view: two.subarray(5000) },
      ]);
      expect(out).toBeUndefined();
      expect([one.length, two.length]).toEqual([16384, 16384]); // read in place, nothing moved away
      expect(one).toEqual(filled(16384, 1));
      await a.close();
      await b.close();
      const fileA = await readFile(join(dir, 'a'));
      expect(fileA.subarray(100, 100 + 16384)).toEqual(Buffer.from(filled(16384, 1)));
      expect(fileA.subarray(100 + 16384)).toEqual(Buffer.from(filled(16384, 2).subarray(0, 5000)));
      expect(await readFile(join(dir, 'b'))).toEqual(Buffer.from(filled(16384, 2).subarray(5000)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports the system error and which part failed; the parts before it are written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const ok = await open(join(dir, 'ok'), 'w+');
      const readOnly = await open(join(dir, 'ok'), 'r');
      const out = await writer.write([
        { fd: ok.fd, position: 0, view: filled(1000, 3) },
        { fd: readOnly.fd, position: 0, view: filled(1000, 4) },
        { fd: ok.fd, position: 1000, view: filled(1000, 5) },
      ]);
      expect(out).toEqual({ error: 'EBADF', failed: 1 });
      await ok.close();
      await readOnly.close();
      expect(await readFile(join(dir, 'ok'))).toEqual(Buffer.from(filled(1000, 3)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an idle worker ends after a minute (its heap would keep every slab it was sent alive); the next write starts another', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const idle = new DiskWriter();
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const f = await open(join(dir, 'f'), 'w+');
      const workerOf = (): unknown => (idle as unknown as { worker: unknown }).worker;
      expect(workerOf()).toBeUndefined(); // none until the first write
      expect(await idle.write([{ fd: f.fd, position: 0, view: filled(100, 7) }])).toBeUndefined();
      const first = workerOf() as { threadId: number; once: (e: string, f: () => void) => void };
      expect(first).toBeDefined();
      expect((idle as unknown as { idleTimer: NodeJS.Timeout }).idleTimer.hasRef()).toBe(false); // never keeps the process alive
      const exited = new Promise<void>((r) => first.once('exit', r));
      vi.advanceTimersByTime(59_999);
      // a write just before the minute is up keeps the worker, and the minute starts again
      expect(await idle.write([{ fd: f.fd, position: 200, view: filled(100, 9) }])).toBeUndefined();
      vi.advanceTimersByTime(59_999);
      expect(workerOf()).toBe(first);
      vi.advanceTimersByTime(1);
      expect(workerOf()).toBeUndefined();
      await exited;
      expect(await idle.write([{ fd: f.fd, position: 100, view: filled(100, 8) }])).toBeUndefined();
      expect((workerOf() as { threadId: number }).threadId).not.toBe(first.threadId);
      await f.close();
      expect(await readFile(join(dir, 'f'))).toEqual(Buffer.concat([filled(100, 7), filled(100, 8), filled(100, 9)].map((v) => Buffer.from(v))));
    } finally {
      vi.useRealTimers();
      await idle.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('after close, a write is refused with its blocks untouched', async () => {
    const closed = new DiskWriter();
    await closed.close();
    const view = filled(10, 6);
    expect(await closed.write([{ fd: 1, position: 0, view }])).toEqual({ error: 'disk writer closed', failed: 0 });
    expect(view.length).toBe(10);
  });
});

describe('TorrentStorage and the shared disk writer', () => {
  it(`writes its first ${WORKER_AFTER_BYTES / 2 ** 20} MiB through libuv's pool, the rest through the shared worker`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    const spy = vi.spyOn(DiskWriter.prototype, 'write');
    try {
      const files: FileSpec[] = [{ path: ['big.bin'], length: WORKER_AFTER_BYTES + 2 * 2 ** 20 }];
      const content = contentFor(files, 9);
      const m = syntheticTorrent(files, 2 ** 20, content);
      const opened = await TorrentStorage.open(dir, m);
      if (E.isLeft(opened)) throw new Error(opened.left.message);
      const s = opened.right;
      const pieceBlocks = 2 ** 20 / BLOCK_SIZE;
      for (let i = 0; i < m.pieceCount; i++) {
        for (let b = 0; b < pieceBlocks; b++) {
          const at = i * 2 ** 20 + b * BLOCK_SIZE;
          expect(E.isRight(await s.writeBlock(i, b * BLOCK_SIZE, content.subarray(at, at + BLOCK_SIZE)))).toBe(true);
        }
        expect(spy).toHaveBeenCalledTimes(Math.max(0, i + 1 - WORKER_AFTER_BYTES / 2 ** 20));
      }
      expect(E.isRight(await s.close())).toBe(true);
      expect((await readFile(join(dir, 'big.bin'))).equals(content)).toBe(true);
    } finally {
      spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('TorrentStorage with an explicit disk writer', () => {
  const writer = new DiskWriter();
  afterAll(() => writer.close());

  const storeAll = async (dir: string, files: FileSpec[], pieceLength: number): Promise<{ storage: TorrentStorage; content: Uint8Array }> => {
    const content = contentFor(files, 5);
    const m = syntheticTorrent(files, pieceLength, content);
    const opened = await TorrentStorage.open(dir, m, { diskWriter: writer });
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const s = opened.right;
    for (let i = 0; i < m.pieceCount; i++) {
      const size = Math.min(pieceLength, m.totalLength - i * pieceLength);
      for (let b = 0; b < size; b += BLOCK_SIZE) {
        const at = i * pieceLength + b;
        expect(E.isRight(await s.writeBlock(i, b, content.subarray(at, at + Math.min(BLOCK_SIZE, size - b))))).toBe(true);
      }
      expect(await s.verifyPiece(i)).toBe(true);
    }
    return { storage: s, content };
  };

  it('blocks that fall wholly in a padding file go back to the pool too (BEP 47)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const files: FileSpec[] = [];
      for (let f = 0; f < 30; f++) files.push({ path: [`f${f}.bin`], length: BLOCK_SIZE }, { path: ['.pad', `${f}`], length: 3 * BLOCK_SIZE, padding: true });
      const { storage } = await storeAll(dir, files, 4 * BLOCK_SIZE);
      // one piece's 4 blocks at a time, each piece written before the next: one slab of 64 serves
      // all 120 blocks, as long as every block goes back
      expect((storage as unknown as { pieceWriter: { blockPool: { allocated: number } } }).pieceWriter.blockPool.allocated).toBe(64);
      expect(E.isRight(await storage.close())).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('once every piece is verified the staging pool keeps no blocks (a seeding torrent holds no download memory); a piece lost later downloads again and the pool is trimmed again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const { storage, content } = await storeAll(dir, [{ path: ['a.bin'], length: 6 * BLOCK_SIZE }], 2 * BLOCK_SIZE);
      const pool = (storage as unknown as { pieceWriter: { blockPool: { idle: number; allocated: number } } }).pieceWriter.blockPool;
      expect([pool.allocated, pool.idle]).toEqual([64, 0]); // it did stage (one slab), and let it go
      storage.markMissing(1);
      for (const b of [0, 1]) {
        const at = 2 * BLOCK_SIZE + b * BLOCK_SIZE;
        expect(E.isRight(await storage.writeBlock(1, b * BLOCK_SIZE, content.subarray(at, at + BLOCK_SIZE)))).toBe(true);
      }
      expect(await storage.verifyPiece(1)).toBe(true);
      expect([pool.allocated, pool.idle]).toEqual([128, 0]); // a fresh slab for the lost piece, let go again
      expect(E.isRight(await storage.close())).toBe(true);
      expect((await readFile(join(dir, 'a.bin'))).equals(content)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a piece spread over many files goes through the pool, which opens one file at a time (maxOpenFiles holds)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    const spy = vi.spyOn(DiskWriter.prototype, 'write');
    try {
      // piece 0: 16 small files; piece 1: one file
      const files: FileSpec[] = [...Array.from({ length: 16 }, (_, f): FileSpec => ({ path: [`small${f}.bin`], length: 4 * BLOCK_SIZE / 16 })), { path: ['big.bin'], length: 4 * BLOCK_SIZE }];
      const { storage, content } = await storeAll(dir, files, 4 * BLOCK_SIZE);
      expect(spy).toHaveBeenCalledTimes(1); // piece 1 only
      expect(E.isRight(await storage.close())).toBe(true);
      expect((await readFile(join(dir, 'small3.bin'))).equals(content.subarray(3 * 4096, 4 * 4096))).toBe(true);
      expect((await readFile(join(dir, 'big.bin'))).equals(content.subarray(4 * BLOCK_SIZE))).toBe(true);
    } finally {
      spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('DiskWriter refusals', () => {
  it('writes a view into the middle of shared memory, and refuses memory it cannot share without keeping the process busy', async () => {
    const writer = new DiskWriter();
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const fh = await open(join(dir, 'x'), 'w+');
      const shared = filled(300, 8);
      expect(await writer.write([{ fd: fh.fd, position: 0, view: shared.subarray(100) }])).toBeUndefined();
      expect(shared.length).toBe(300);
      await fh.close();
      expect(await readFile(join(dir, 'x'))).toEqual(Buffer.from(filled(300, 8).subarray(100)));
      expect(await writer.write([{ fd: 1, position: 0, view: shared }, { fd: 1, position: 0, view: new Uint8Array(16) }])).toEqual({ error: 'not in shared memory', failed: 1 });
      expect((writer as unknown as { jobs: Map<number, unknown> }).jobs.size).toBe(0);
    } finally {
      await writer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a worker that dies fails its writes and is replaced', async () => {
    const writer = new DiskWriter();
    try {
      const w = writer as unknown as { worker: import('node:worker_threads').Worker | undefined };
      const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
      const fh = await open(join(dir, 'x'), 'w+');
      expect(await writer.write([{ fd: fh.fd, position: 100, view: filled(100, 2) }])).toBeUndefined();
      const first = w.worker!;
      await first.terminate();
      expect(w.worker).not.toBe(first);
      expect(await writer.write([{ fd: fh.fd, position: 0, view: filled(100, 1) }])).toBeUndefined();
      expect(w.worker).not.toBe(first);
      await fh.close();
      expect(await readFile(join(dir, 'x'))).toEqual(Buffer.concat([Buffer.from(filled(100, 1)), Buffer.from(filled(100, 2))]));
      await rm(dir, { recursive: true, force: true });
    } finally {
      await writer.close();
    }
  });
});
