import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { HashWorkers, TorrentStorage, type TorrentStorageOptions } from '../../src/storage/index.js';
import { holdDiskWrites, type HeldDisk } from '../support/heldDisk.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

const FILES: FileSpec[] = [{ path: ['b', 'x.bin'], length: 6 * 4 * BLOCK_SIZE - 999 }];
const PIECE = 4 * BLOCK_SIZE;
/** High mark of two pieces, so the low mark (where a waiting downloader resumes) is one piece. */
const HIGH = 2 * PIECE;

let dir = '';
let disk: HeldDisk | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-backlog-'));
});
afterEach(async () => {
  disk?.restore();
  disk = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Whether a drain listener registered now is called back by the next microtask. */
const drainedAtOnce = async (s: TorrentStorage): Promise<boolean> => {
  let called = false;
  s.onQueueDrained(() => (called = true));
  await Promise.resolve();
  return called;
};

// What the downloader waits on (streams/downloadFlow.ts): stop requesting while `queueFull`,
// resume when `onQueueDrained` calls back. Checked through each way a block reaches the disk.
describe('TorrentStorage backlog and drain signal (what a downloader waits on before requesting more)', () => {
  for (const [name, options] of [
    ['hash worker', { hashWorkers: HashWorkers.shared() }],
    ['main-thread hashing', {}],
    ['no staging', { maxStagedBytes: 0 }],
  ] as [string, TorrentStorageOptions][]) {
    it(`counts completed pieces until written and hashed, signals drained at the low mark, then drains to zero (${name})`, async () => {
      const content = contentFor(FILES, 3);
      const m = syntheticTorrent(FILES, PIECE, content);
      const opened = await TorrentStorage.open(dir, m, { ...options, maxQueuedBytes: HIGH });
      if (E.isLeft(opened)) throw new Error(opened.left.message);
      const s = opened.right;
      expect(s.backlogBytes).toBe(0);
      expect(s.queueFull).toBe(false);
      expect(await drainedAtOnce(s)).toBe(true); // nothing held: called back at once
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < m.pieceCount; i++) {
        const size = s.pieceSize(i);
        for (let b = 0; b < size; b += BLOCK_SIZE) writes.push(s.writeBlock(i, b, content.subarray(i * PIECE + b, i * PIECE + Math.min(size, b + BLOCK_SIZE))));
      }
      // every piece is complete and on its way to disk; none has finished yet (no await so far)
      expect(s.backlogBytes).toBe(m.totalLength);
      expect(s.queuedBytes).toBe(m.totalLength);
      expect(s.queueFull).toBe(true);
      let resolveDrained!: (queued: number) => void;
      const drained = new Promise<number>((r) => (resolveDrained = r));
      s.onQueueDrained(() => resolveDrained(s.queuedBytes));
      await Promise.all(writes);
      expect(await drained).toBeLessThanOrEqual(s.queueLowWater); // called back once down to the low mark
      await vi.waitFor(() => expect(s.backlogBytes).toBe(0)); // the last hashes may still be running
      expect(s.queuedBytes).toBe(0);
      expect(s.queueFull).toBe(false);
      for (let i = 0; i < m.pieceCount; i++) expect(await s.verifyPiece(i)).toBe(true);
      await s.close();
    });
  }

  it('calls a waiting downloader back when closed, before the writes in flight finish', async () => {
    disk = await holdDiskWrites();
    const content = contentFor(FILES, 4);
    const m = syntheticTorrent(FILES, PIECE, content);
    const opened = await TorrentStorage.open(dir, m, { maxQueuedBytes: BLOCK_SIZE }); // one whole piece is over the mark
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const s = opened.right;
    for (let b = 0; b < PIECE; b += BLOCK_SIZE) void s.writeBlock(0, b, content.subarray(b, b + BLOCK_SIZE));
    expect(s.queueFull).toBe(true);
    let called = false;
    s.onQueueDrained(() => (called = true));
    await disk.heldAtLeast(1);
    const closing = s.close(); // waits for the held write
    await new Promise((r) => setImmediate(r));
    expect(called).toBe(true); // released by the close: nothing will drain a closing storage's queue for it
    expect(s.backlogBytes).toBe(PIECE); // the write is still held
    disk.holding = false;
    await closing;
    expect(s.backlogBytes).toBe(0);
  });
});
