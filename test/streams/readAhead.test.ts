import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import { PeerGate } from '../../src/peers/peerGate.js';
import { PeerPieces } from '../../src/peers/peerPieces.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { PiecePicker } from '../../src/pieces/piecePicker.js';
import { RateMeter } from '../../src/stats/rateMeter.js';
import { ReadBufferPool } from '../../src/storage/readBufferPool.js';
import type { StorageError } from '../../src/storage/storageError.js';
import { TorrentStorage } from '../../src/storage/torrentStorage.js';
import type { WireMessage } from '../../src/wire/index.js';
import { newPeerRecord } from '../../streams/peerRecord.js';
import { MAX_AHEAD_BYTES, MIN_AHEAD_BYTES, READ_AHEAD_RUNS, UploadFlow, type UploadStorage } from '../../streams/uploadFlow.js';
import { writeSample } from '../support/sampleContent.js';

const B = 16_384;
const PIECE = 4 * B;

/** One read the flow started, held until the test lets it finish (so completion order is the test's). */
interface HeldRead {
  readonly index: number;
  readonly begin: number;
  readonly out: Uint8Array;
  /** Runs the real read and hands its result to the flow. */
  finish(): Promise<void>;
}

/**
 * Real storage whose reads complete only when the test says so: the disk's timing is replaced
 * by the test's order, the bytes are still read from the file.
 */
const heldReads = (storage: TorrentStorage): UploadStorage & { readonly held: HeldRead[] } => {
  const held: HeldRead[] = [];
  return {
    held,
    pieceSize: (i) => storage.pieceSize(i),
    readBlockInto: (index, begin, out) =>
      new Promise<E.Either<StorageError, Uint8Array>>((resolve) => {
        held.push({ index, begin, out, finish: async () => resolve(await storage.readBlockInto(index, begin, out)) });
      }),
  };
};

/** Lets queued microtasks and promise callbacks run (one event-loop turn; no timer). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A seeded torrent of 8 pieces of 4 blocks, an upload flow over held reads, and one unchoked BEP 6 peer. */
const setUp = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'st-readahead-'));
  await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 8 * PIECE }]);
  const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: PIECE })();
  if (E.isLeft(made)) throw new Error(made.left.message);
  const m = made.right.metainfo;
  const source = new Uint8Array(await readFile(join(dir, 'src', 'f.bin')));
  const opened = await TorrentStorage.open(join(dir, 'src'), m);
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  const storage = opened.right;
  cleanup = async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  };
  const have = Bitfield.full(m.pieceCount);
  const reads = heldReads(storage);
  const pool = new ReadBufferPool(PIECE, 8);
  const lost: number[] = [];
  const upload = new UploadFlow(reads, have, new RateMeter(), () => 0, () => undefined, (i) => lost.push(i), pool);
  const gate = new PeerGate();
  gate.open = true;
  gate.fast = true;
  gate.mayUpload = true;
  const picker = new PiecePicker(PIECE, m.totalLength);
  const peer = newPeerRecord('leech', { ip: '127.0.0.9', port: 1 }, false, { gate, pieces: new PeerPieces(have, picker.availability) }, 0);
  const sent: WireMessage[] = [];
  /** Write callbacks of sent pieces the "socket" has not run yet, in send order, with their sizes. */
  const unwritten: (() => void)[] = [];
  const unwrittenBytes: number[] = [];
  let writable = true;
  peer.send = (msg, written) => {
    sent.push(msg);
    if (written === undefined) return;
    unwritten.push(written);
    unwrittenBytes.push(msg.type === 'piece' ? msg.block.length : 0);
  };
  peer.writable = () => writable;
  peer.unsentBytes = () => unwrittenBytes.reduce((a, b) => a + b, 0);
  const requestPiece = (index: number): void => {
    for (let b = 0; b < PIECE; b += B) upload.onRequest(peer, { index, begin: b, length: B });
  };
  /** What the peer heard, as `piece i/begin` and `reject i/begin`. */
  const answers = (): string[] => sent.map((x) => (x.type === 'piece' || x.type === 'reject' ? `${x.type} ${x.index}/${x.begin}` : x.type));
  const blocks = (index: number, type: 'piece' | 'reject'): string[] => [0, 1, 2, 3].map((k) => `${type} ${index}/${k * B}`);
  /** The socket writes out `n` pieces (runs their callbacks, oldest first). */
  const write = (n = unwritten.length): void => {
    unwrittenBytes.splice(0, n);
    for (const w of unwritten.splice(0, n)) w();
  };
  return {
    upload, peer, reads, pool, have, sent, lost, source, requestPiece, answers, blocks, write, unwritten,
    setWritable: (w: boolean) => {
      writable = w;
      if (w) upload.onWritable(peer);
    },
  };
};

/** Runs read at once per peer; the pieces `0..N-1` fill them and piece `N` waits behind. */
const N = READ_AHEAD_RUNS;
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('UploadFlow read-ahead into recycled buffers', () => {
  it('keeps the next runs read while one is pending, at most READ_AHEAD_RUNS, and sends runs in request order whatever order reads finish in', async () => {
    expect(N).toBeGreaterThan(1);
    expect(N).toBeLessThan(7); // the torrent has 8 pieces
    const t = await setUp();
    for (const i of upTo(N + 1)) t.requestPiece(i);
    await settle();
    // each piece's four requests arrived in one batch: one read per piece, N at once
    expect(t.reads.held.map((r) => [r.index, r.begin, r.out.length])).toEqual(upTo(N).map((i) => [i, 0, PIECE]));
    await t.reads.held[N - 1]!.finish(); // the last run's read finishes first
    await settle();
    expect(t.answers()).toEqual([]);
    for (const r of t.reads.held.slice(0, N - 1)) await r.finish();
    await settle();
    expect(t.answers()).toEqual(upTo(N).flatMap((i) => t.blocks(i, 'piece')));
    // every pending run left: the next run's read started, and only it
    expect(t.reads.held.map((r) => r.index)).toEqual(upTo(N + 1));
    await t.reads.held[N]!.finish();
    await settle();
    expect(t.answers()).toEqual(upTo(N + 1).flatMap((i) => t.blocks(i, 'piece')));
    // the bytes are the file's, block by block
    for (const x of t.sent) {
      if (x.type !== 'piece') continue;
      const at = x.index * PIECE + x.begin;
      expect(Buffer.from(x.block).equals(Buffer.from(t.source.subarray(at, at + B)))).toBe(true);
    }
  });

  it('starts no read while the socket is full, and runs already read still leave', async () => {
    const t = await setUp();
    t.setWritable(false);
    for (const i of upTo(N + 1)) t.requestPiece(i);
    await settle();
    expect(t.reads.held).toHaveLength(0);
    t.setWritable(true);
    expect(t.reads.held.map((r) => r.index)).toEqual(upTo(N));
    t.setWritable(false); // the socket filled up while they were being read
    for (const r of t.reads.held) await r.finish();
    await settle();
    expect(t.answers()).toEqual(upTo(N).flatMap((i) => t.blocks(i, 'piece')));
    expect(t.reads.held).toHaveLength(N); // piece N waits for the drain
    t.setWritable(true);
    expect(t.reads.held.map((r) => r.index)).toEqual(upTo(N + 1));
  });

  it('a run\'s buffer goes back to the pool only once the socket wrote every block of it, and is never lent again before', async () => {
    const t = await setUp();
    for (const i of [0, 1]) t.requestPiece(i);
    await settle();
    const first = t.reads.held[0]!.out;
    await t.reads.held[0]!.finish();
    await settle();
    expect(t.unwritten).toHaveLength(4);
    t.requestPiece(2);
    await settle();
    // the read for piece 2 started while piece 0's blocks are still being written: another buffer
    expect(t.reads.held[2]!.out.buffer).not.toBe(first.buffer);
    t.write(3);
    expect(t.pool.idle).toBe(0);
    t.write(1); // the last block of piece 0 written: its buffer is free
    expect(t.pool.idle).toBe(1);
    for (const r of t.reads.held.slice(1)) await r.finish();
    await settle();
    t.write();
    expect(t.pool.idle).toBe(3);
    // the next read reuses one of them: no new memory per read
    t.requestPiece(3);
    await settle();
    expect([first.buffer, t.reads.held[1]!.out.buffer, t.reads.held[2]!.out.buffer]).toContain(t.reads.held[3]!.out.buffer);
  });

  it('a peer that disconnects mid-write: reads that finish after are dropped and their buffers freed; blocks still being written keep theirs until the socket lets go', async () => {
    const t = await setUp();
    for (const i of [0, 1, 2]) t.requestPiece(i);
    await settle();
    const writing = t.reads.held[0]!.out;
    await t.reads.held[0]!.finish();
    await settle();
    expect(t.unwritten).toHaveLength(4); // piece 0 handed to the socket, not yet written
    // the connection ends (what attachPeerTraffic's closed() does)
    t.peer.closed = true;
    t.peer.uploadQueue.length = 0;
    await t.reads.held[1]!.finish();
    await settle();
    expect(t.answers()).toEqual(t.blocks(0, 'piece')); // nothing more sent
    expect(t.pool.idle).toBe(1); // piece 1's buffer: never sent, free at once
    // piece 0's buffer is still the socket's: never handed out again meanwhile
    const other = t.pool.acquire(PIECE);
    const another = t.pool.acquire(PIECE);
    expect([other.buffer, another.buffer]).not.toContain(writing.buffer);
    t.pool.release(other);
    t.pool.release(another);
    // the socket closes and cancels the write: only now is piece 0's buffer free
    t.write();
    expect(t.pool.idle).toBe(3);
    expect(t.reads.held).toHaveLength(3); // no read started after the close
  });

  it('choked while runs are read: queued requests are rejected at once, the runs being read when their reads finish, in order, and their buffers freed', async () => {
    const t = await setUp();
    for (const i of upTo(N + 1)) t.requestPiece(i);
    await settle();
    t.peer.gate.mayUpload = false;
    t.upload.onChoked(t.peer);
    expect(t.answers()).toEqual(t.blocks(N, 'reject'));
    for (const r of [...t.reads.held].reverse()) await r.finish();
    await settle();
    expect(t.answers()).toEqual([...t.blocks(N, 'reject'), ...upTo(N).flatMap((i) => t.blocks(i, 'reject'))]);
    expect(t.pool.idle).toBe(N);
    expect(t.reads.held).toHaveLength(N);
  });

  it('a cancel behind the runs being read is rejected at once; the runs being read are still sent (the cancel crossed them)', async () => {
    const t = await setUp();
    for (const i of upTo(N + 1)) t.requestPiece(i);
    await settle();
    t.upload.onCancel(t.peer, { index: N, begin: B, length: B });
    t.upload.onCancel(t.peer, { index: 0, begin: B, length: B }); // being read: matches nothing queued
    expect(t.answers()).toEqual([`reject ${N}/16384`]);
    for (let k = 0; k < N; k++) await t.reads.held[k]!.finish();
    await settle();
    // piece N splits at the cancelled block: two runs, read at once
    expect(t.reads.held.slice(N).map((r) => [r.index, r.begin, r.out.length])).toEqual([[N, 0, B], [N, 2 * B, 2 * B]]);
    await t.reads.held[N + 1]!.finish();
    await t.reads.held[N]!.finish();
    await settle();
    expect(t.answers()).toEqual([`reject ${N}/16384`, ...upTo(N).flatMap((i) => t.blocks(i, 'piece')), `piece ${N}/0`, `piece ${N}/32768`, `piece ${N}/49152`]);
  });

  it('a slow reader asking for scattered blocks pins at most twice the bytes it is owed (a one-block run does not hold a whole run buffer)', async () => {
    const t = await setUp();
    // block 0 of every piece: eight runs of one block each; the socket never writes them out
    for (let i = 0; i < 8; i++) t.upload.onRequest(t.peer, { index: i, begin: 0, length: B });
    await settle();
    for (let k = 0; k < t.reads.held.length; k++) {
      await t.reads.held[k]!.finish();
      await settle();
    }
    const pieces = t.sent.filter((x): x is Extract<WireMessage, { type: 'piece' }> => x.type === 'piece');
    expect(pieces).toHaveLength(8);
    expect(t.unwritten).toHaveLength(8);
    const owed = pieces.reduce((n, x) => n + x.block.length, 0);
    const pinned = [...new Set(pieces.map((x) => x.block.buffer))].reduce((n, b) => n + b.byteLength, 0);
    expect(pinned).toBeLessThanOrEqual(2 * owed);
  });

  it('a piece lost while earlier runs are read is refused after them, so answers keep the order of the requests', async () => {
    const t = await setUp();
    for (const i of [...upTo(N), 7]) t.requestPiece(i);
    await settle();
    t.have.clear(7); // e.g. found unreadable by another peer's read
    for (const r of t.reads.held) {
      await r.finish();
      await settle();
    }
    expect(t.answers()).toEqual([...upTo(N).flatMap((i) => t.blocks(i, 'piece')), ...t.blocks(7, 'reject')]);
    expect(t.reads.held).toHaveLength(N); // piece 7 never read
  });

  /** Requests `runs` whole pieces (cycling over the torrent's 8) and lets every read finish as it starts. */
  const requestAndRead = async (t: Awaited<ReturnType<typeof setUp>>, runs: number): Promise<void> => {
    for (let k = 0; k < runs; k++) t.requestPiece(k % 8);
    await settle();
    for (let done = 0; done < t.reads.held.length; done++) {
      await t.reads.held[done]!.finish();
      await settle();
    }
  };

  it('a peer that does not read pins at most MIN_AHEAD_BYTES ahead of its socket (plus a run), and each run written lets one more be read', async () => {
    const t = await setUp();
    const cap = MIN_AHEAD_BYTES / PIECE; // runs of one piece that fill the share
    await requestAndRead(t, cap + 4);
    // nothing was written out: reads stopped once the unsent bytes reached the share
    expect(t.reads.held).toHaveLength(cap);
    expect(t.peer.unsentBytes()).toBe(MIN_AHEAD_BYTES);
    t.write(4); // one run written
    await settle();
    expect(t.reads.held).toHaveLength(cap + 1);
  });

  it('a fast peer gets more ahead of its socket: its upload rate times AHEAD_SECONDS, up to MAX_AHEAD_BYTES', async () => {
    const t = await setUp();
    t.peer.up.add(1024 * 1024 * 1024, 0); // 1 GiB in its first second: the share is the cap
    const cap = MAX_AHEAD_BYTES / PIECE;
    await requestAndRead(t, cap + 4);
    expect(t.reads.held).toHaveLength(cap);
    expect(t.peer.unsentBytes()).toBe(MAX_AHEAD_BYTES);
  });
});
