import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { HashWorkers, TorrentStorage, resumeCheck } from '../../src/storage/index.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

let dir = '';
let workers: HashWorkers;
beforeAll(() => {
  workers = new HashWorkers(2);
});
afterAll(async () => {
  await workers.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-hashw-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('HashWorkers', () => {
  it('hashes file ranges and zero padding like a direct SHA-1, for many queued jobs', async () => {
    const data = contentFor([{ path: ['x'], length: 3 * 1024 * 1024 + 77 }], 4);
    await writeFile(join(dir, 'x'), data);
    const jobs = Array.from({ length: 12 }, (_, k) => {
      const offset = k * 1000;
      const length = 2 * 1024 * 1024 + k;
      const expected = sha1(Buffer.concat([data.subarray(offset, offset + length), new Uint8Array(k * 10)]));
      return workers.hash([{ path: join(dir, 'x'), offset, length }, { path: null, offset: 0, length: k * 10 }]).then((r) => [r, expected] as const);
    });
    for (const [r, expected] of await Promise.all(jobs)) expect(E.isRight(r) && hex(r.right)).toBe(expected);
  });

  it('reports unreadable ranges as values', async () => {
    const missing = await workers.hash([{ path: join(dir, 'nope'), offset: 0, length: 1 }]);
    expect(E.isLeft(missing) && missing.left).toBe('ENOENT');
    await writeFile(join(dir, 'short'), new Uint8Array(5));
    const short = await workers.hash([{ path: join(dir, 'short'), offset: 0, length: 6 }]);
    expect(E.isLeft(short)).toBe(true);
  });

  it('verifies pieces off the main thread with the same results, also in a resume check', async () => {
    const files: FileSpec[] = [
      { path: ['w', 'a'], length: 30_000 },
      { path: ['w', '.pad', 'p'], length: 2_768, padding: true },
      { path: ['w', 'b'], length: 50_001 },
    ];
    const content = contentFor(files, 6);
    const m = syntheticTorrent(files, 2 * BLOCK_SIZE, content);
    const opened = await TorrentStorage.open(dir, m, { hashWorkers: workers });
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const s = opened.right;
    for (let i = 0; i < m.pieceCount; i++) {
      const size = s.pieceSize(i);
      const bytes = content.slice(i * m.pieceLength, i * m.pieceLength + size);
      if (i === 1) bytes[5] = (bytes[5] ?? 0) ^ 0x10; // one corrupted piece
      await s.writeBlock(i, 0, bytes);
    }
    const results = [];
    for (let i = 0; i < m.pieceCount; i++) results.push(await s.verifyPiece(i));
    expect(results).toEqual(Array.from({ length: m.pieceCount }, (_, i) => i !== 1));
    await s.close();

    const again = await TorrentStorage.open(dir, m, { hashWorkers: workers });
    if (E.isLeft(again)) throw new Error(again.left.message);
    const have = await resumeCheck(again.right);
    expect([...have.clearIndices()]).toEqual([1]);
    await again.right.close();
  });

  it('fails queued work after close instead of hanging', async () => {
    const w = new HashWorkers(1);
    await writeFile(join(dir, 'y'), new Uint8Array(1024));
    const pending = [1, 2, 3].map(() => w.hash([{ path: join(dir, 'y'), offset: 0, length: 1024 }]));
    await w.close();
    const results = await Promise.all(pending);
    expect(results.every((r) => E.isLeft(r) || r.right.length === 20)).toBe(true);
    expect(E.isLeft(await w.hash([]))).toBe(true);
  });

  it('hashes blocks in memory: views of shared slabs in place, other bytes by copy', async () => {
    const slab = new SharedArrayBuffer(4 * BLOCK_SIZE);
    const whole = new Uint8Array(slab);
    for (let i = 0; i < whole.length; i++) whole[i] = (i * 7 + 3) & 0xff;
    const plain = Uint8Array.from({ length: 999 }, (_, i) => i & 0xff);
    const blocks = [new Uint8Array(slab, 2 * BLOCK_SIZE, BLOCK_SIZE), new Uint8Array(slab, 0, BLOCK_SIZE), plain.subarray(10, 500), new Uint8Array(slab, 3 * BLOCK_SIZE, 100)];
    const r = await workers.hashBlocks(blocks);
    expect(E.isRight(r) && hex(r.right)).toBe(sha1(Buffer.concat(blocks)));
    expect(E.isRight(await workers.hashBlocks([])) ).toBe(true);
  });

  it('verifies pieces completed in memory through the shared worker, corrupted ones fail', async () => {
    const files: FileSpec[] = [{ path: ['m', 'a'], length: 5 * 4 * BLOCK_SIZE - 1234 }];
    const content = contentFor(files, 9);
    const m = syntheticTorrent(files, 4 * BLOCK_SIZE, content);
    const opened = await TorrentStorage.open(dir, m, { hashWorkers: HashWorkers.shared() });
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const s = opened.right;
    const reused = Buffer.alloc(BLOCK_SIZE); // as a socket's read buffer: overwritten after each call
    for (let i = m.pieceCount - 1; i >= 0; i--) {
      const size = s.pieceSize(i);
      for (let b = size - (size % BLOCK_SIZE || BLOCK_SIZE); b >= 0; b -= BLOCK_SIZE) {
        const len = Math.min(BLOCK_SIZE, size - b);
        reused.set(content.subarray(i * m.pieceLength + b, i * m.pieceLength + b + len));
        if (i === 2 && b === 0) reused[7] = (reused[7] ?? 0) ^ 1;
        expect(E.isRight(await s.writeBlock(i, b, reused.subarray(0, len)))).toBe(true);
      }
    }
    const results = [];
    for (let i = 0; i < m.pieceCount; i++) results.push(await s.verifyPiece(i));
    expect(results).toEqual(Array.from({ length: m.pieceCount }, (_, i) => i !== 2));
    await s.close();
  });
});
