import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../../src/pieces/index.js';
import { TorrentStorage } from '../../src/storage/index.js';
import { DEFAULT_MAX_QUEUED_BYTES, DiskQueue } from '../../src/storage/diskQueue.js';
import { holdDiskWrites, type HeldDisk } from '../support/heldDisk.js';
import { contentFor, syntheticTorrent, type FileSpec } from './syntheticTorrent.js';

const PIECE = 4 * BLOCK_SIZE;
const FILES: FileSpec[] = [{ path: ['q', 'x.bin'], length: 12 * PIECE }];
const HIGH = 6 * BLOCK_SIZE; // low mark: 3 blocks

let dir = '';
let disk: HeldDisk | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-diskq-'));
});
afterEach(async () => {
  disk?.restore();
  disk = undefined;
  await rm(dir, { recursive: true, force: true });
});

const openStorage = async (options = {}) => {
  const content = contentFor(FILES, 5);
  const m = syntheticTorrent(FILES, PIECE, content);
  const opened = await TorrentStorage.open(dir, m, { maxQueuedBytes: HIGH, ...options });
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  const s = opened.right;
  const put = (index: number, block: number): Promise<unknown> =>
    s.writeBlock(index, block * BLOCK_SIZE, content.subarray(index * PIECE + block * BLOCK_SIZE, index * PIECE + (block + 1) * BLOCK_SIZE));
  return { s, put };
};

describe('TorrentStorage disk queue (bytes received and not yet on disk, with high and low marks)', () => {
  it('counts staged and written-out bytes; full only above the high mark with a write in flight; drained at the low mark', async () => {
    disk = await holdDiskWrites();
    const { s, put } = await openStorage();
    expect([s.maxQueuedBytes, s.queueLowWater]).toEqual([HIGH, HIGH / 2]);
    for (let b = 0; b < 3; b++) void put(0, b); // piece 0 incomplete: staged
    for (let b = 0; b < 3; b++) void put(1, b);
    for (let b = 0; b < 3; b++) void put(2, b);
    expect(s.queuedBytes).toBe(9 * BLOCK_SIZE);
    expect(s.backlogBytes).toBe(0);
    // over the high mark, but only incomplete pieces: nothing to wait for, so not full
    expect(s.queueFull).toBe(false);
    void put(0, 3); // piece 0 complete: handed to the (held) disk
    void put(1, 3);
    expect(s.queuedBytes).toBe(11 * BLOCK_SIZE); // pieces 0 and 1 being written, 3 blocks of piece 2 staged
    expect(s.backlogBytes).toBe(2 * PIECE);
    expect(s.queueFull).toBe(true);
    let drained = 0;
    s.onQueueDrained(() => drained++);
    await disk.heldAtLeast(2);
    await disk.release(1); // piece 0 on disk: 7 blocks left (above the low mark) but one write in flight
    expect(s.backlogBytes).toBe(PIECE);
    expect(drained).toBe(0);
    await disk.drain(s); // nothing in flight: what is left is piece 2, incomplete, which only more blocks can finish
    expect(s.queuedBytes).toBe(3 * BLOCK_SIZE);
    expect(drained).toBe(1); // once
    expect(s.queueFull).toBe(false);
    disk.holding = false;
    await s.close();
  });

  it('drains at the low mark while writes are still in flight', async () => {
    disk = await holdDiskWrites();
    const { s, put } = await openStorage({ maxQueuedBytes: 2 * PIECE }); // low mark: one piece
    for (let i = 0; i < 3; i++) for (let b = 0; b < 4; b++) void put(i, b); // three whole pieces, held
    expect(s.queuedBytes).toBe(3 * PIECE);
    expect(s.queueFull).toBe(true);
    const seen: number[] = [];
    s.onQueueDrained(() => seen.push(s.queuedBytes));
    await disk.heldAtLeast(3);
    while (seen.length === 0) await disk.release(1);
    expect(seen[0]).toBeLessThanOrEqual(s.queueLowWater);
    expect(s.backlogBytes).toBeGreaterThan(0); // called at the low mark, not when all was written
    await disk.drain(s);
    disk.holding = false;
    await s.close();
  });

  it('a staged piece known good elsewhere leaves the queue; closing calls waiting listeners', async () => {
    disk = await holdDiskWrites();
    const { s, put } = await openStorage();
    for (let b = 0; b < 3; b++) void put(4, b);
    expect(s.queuedBytes).toBe(3 * BLOCK_SIZE);
    s.markVerified(4);
    expect(s.queuedBytes).toBe(0);
    for (let i = 0; i < 2; i++) for (let b = 0; b < 4; b++) void put(i, b);
    expect(s.queueFull).toBe(true);
    let called = false;
    s.onQueueDrained(() => (called = true));
    disk.holding = false;
    await s.close();
    await new Promise((r) => setImmediate(r));
    expect(called).toBe(true);
    let afterClose = false;
    s.onQueueDrained(() => (afterClose = true));
    await Promise.resolve();
    expect(afterClose).toBe(true);
  });

  it('defaults: an 8 MiB high mark, a 4 MiB low mark', () => {
    const q = new DiskQueue(DEFAULT_MAX_QUEUED_BYTES);
    expect([q.highWater, q.lowWater]).toEqual([8 * 1024 * 1024, 4 * 1024 * 1024]);
  });
});
