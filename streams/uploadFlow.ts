import * as E from 'fp-ts/lib/Either.js';
import type { Bitfield } from '../src/pieces/bitfield.js';
import { BLOCK_SIZE } from '../src/pieces/pieceGeometry.js';
import type { PeerRecord, UploadRead } from './peerRecord.js';
import type { RateMeter } from '../src/stats/rateMeter.js';
import { ReadBufferPool } from '../src/storage/readBufferPool.js';
import type { StorageError } from '../src/storage/storageError.js';
import type { TorrentStorage } from '../src/storage/torrentStorage.js';
import type { BlockRef } from '../src/wire/messages.js';

/**
 * Most bytes read at once for a run of queued requests: a leecher asks for a piece's blocks in
 * a row, and one 16 KiB read per request cost a thread-pool round trip and an event-loop turn
 * each (a libtorrent leecher took 1 GiB from us in 8 s, 2.8 s from libtorrent). A run leaves
 * in one go whatever the socket's backpressure, so it is capped: 1 MiB runs made a 30-leecher
 * swarm slower (14 s vs 10 s at 256 KiB, bench:swarm) for little gain with one leecher.
 */
export const MAX_RUN_BYTES = 256 * 1024;

/**
 * Takes the first queued request and those right after it that continue it in the same piece
 * (up to {@link MAX_RUN_BYTES}), so they are read with one read; undefined when the queue is empty.
 */
export function takeRun(queue: BlockRef[]): BlockRef[] | undefined {
  const first = queue[0];
  if (first === undefined) return undefined;
  let n = 1;
  let end = first.begin + first.length;
  while (n < queue.length) {
    const next = queue[n]!;
    if (next.index !== first.index || next.begin !== end || end + next.length - first.begin > MAX_RUN_BYTES) break;
    end += next.length;
    n++;
  }
  return queue.splice(0, n);
}

const runLength = (run: readonly BlockRef[]): number => {
  let n = 0;
  for (const q of run) n += q.length;
  return n;
};

/**
 * Runs read ahead per peer at most: the next runs' reads are in flight while earlier ones are
 * sent, so the socket never waits a thread-pool round trip between runs, and runs whose reads
 * finish in the same event-loop turn leave in one writev (see `wrapWireSocket`). With 2, a
 * libtorrent leecher woke for every run (twice the recvfrom calls and 1.5x the context switches
 * it makes with a libtorrent seeder) and took 1 GiB 5-10% slower; with 4 (and up to 2 MiB ahead
 * of the socket) it matches the libtorrent seeder, and our CPU per GiB fell 10-15% (bench:seed).
 */
export const READ_AHEAD_RUNS = 4;

/**
 * Bytes a peer's uploads may hold ahead of its socket (unsent plus being read): this many
 * seconds of its upload rate, within {@link MIN_AHEAD_BYTES} and {@link MAX_AHEAD_BYTES}, as
 * libtorrent scales its send buffer watermark. A fast reader gets whole runs queued while
 * earlier ones are written; a slow one pins at most ~0.75 MiB (the share and one run past it).
 */
export const AHEAD_SECONDS = 0.01;
/** The least a peer's uploads may hold ahead of its socket: two runs, whatever its rate. */
export const MIN_AHEAD_BYTES = 512 * 1024;
/** The most a peer's uploads may hold ahead of its socket (a fast reader on loopback). */
export const MAX_AHEAD_BYTES = 2 * 1024 * 1024;

/**
 * Read buffers shared by every torrent's uploads (the free list is bounded process-wide, not
 * per torrent): 64 idle runs of 256 KiB cover 30 peers each reading ahead.
 */
export const sharedReadBuffers = new ReadBufferPool(MAX_RUN_BYTES, 64);

/** What uploads need from storage: piece sizes and reads into a given buffer. */
export type UploadStorage = Pick<TorrentStorage, 'pieceSize' | 'readBlockInto'>;

/** Requests queued per peer before further ones are refused (real clients keep 250-500). */
export const MAX_QUEUED_REQUESTS = 500;

/**
 * Requests we may refuse since we last unchoked a peer before it is dropped: twice the queue
 * limit leaves room for requests in flight when the choke crossed them (BEP 6 says to expect
 * some), while a peer that keeps requesting regardless gets a bounded number of rejects.
 */
export const MAX_REFUSED_REQUESTS = 2 * MAX_QUEUED_REQUESTS;

/**
 * The sending half of the data plane: serves `request`s from disk for verified pieces only,
 * with the limits real clients use (BEP 3: blocks of at most 16 KiB inside the piece; requests
 * made while we choke the peer are dropped, or rejected under BEP 6; `cancel` is honoured).
 * A run of consecutive queued requests is one asynchronous read into a recycled buffer, given
 * back once the socket wrote it out; up to {@link READ_AHEAD_RUNS} runs per peer are read at
 * once and sent in request order. New reads start only while the socket is writable, so a slow
 * disk or a slow reader never blocks the event loop or piles up memory.
 */
export class UploadFlow {
  constructor(
    private readonly storage: UploadStorage,
    private readonly have: Bitfield,
    private readonly upTotal: RateMeter,
    private readonly now: () => number,
    /** A peer kept requesting after being refused more than {@link MAX_REFUSED_REQUESTS} times. */
    private readonly abusive: (peer: PeerRecord, message: string) => void = () => undefined,
    /**
     * A verified piece could not be read back (its file was truncated, replaced or is
     * unreadable): it is already cleared from our pieces, so it is no longer offered.
     */
    private readonly unreadable: (index: number, error: StorageError) => void = () => undefined,
    private readonly buffers: ReadBufferPool = sharedReadBuffers,
  ) {}

  /** A `request` arrived from `peer`. */
  onRequest(peer: PeerRecord, req: BlockRef): void {
    const valid =
      this.have.has(req.index) &&
      req.length > 0 &&
      req.length <= BLOCK_SIZE &&
      req.begin >= 0 &&
      req.begin + req.length <= this.storage.pieceSize(req.index);
    if (!peer.gate.mayUpload || !valid || peer.uploadQueue.length >= MAX_QUEUED_REQUESTS) {
      if (++peer.refusedRequests > MAX_REFUSED_REQUESTS) {
        if (peer.refusedRequests === MAX_REFUSED_REQUESTS + 1) this.abusive(peer, `kept requesting after ${MAX_REFUSED_REQUESTS} refused requests`);
        return;
      }
      if (peer.gate.fast) peer.sendBlockRefs('reject', [req]);
      return;
    }
    peer.uploadQueue.push({ index: req.index, begin: req.begin, length: req.length });
    // reads start once the whole batch that arrived with this one is queued (a microtask, after
    // the socket chunk's frames), so a leecher's burst of requests forms whole runs
    if (this.toPump.size === 0) queueMicrotask(this.pumpRequested);
    this.toPump.add(peer);
  }

  private readonly toPump = new Set<PeerRecord>();
  private readonly pumpRequested = (): void => {
    const peers = [...this.toPump];
    this.toPump.clear();
    for (const peer of peers) this.pump(peer);
  };

  /**
   * A `cancel` arrived: forget the matching queued request. Under BEP 6 every request gets
   * exactly one answer, so a cancelled one is answered with a reject. A cancel that matches
   * nothing is normal (it crossed the piece we sent, or one being read) and ignored.
   */
  onCancel(peer: PeerRecord, req: BlockRef): void {
    const i = peer.uploadQueue.findIndex((q) => q.index === req.index && q.begin === req.begin && q.length === req.length);
    if (i < 0) return;
    peer.uploadQueue.splice(i, 1);
    if (peer.gate.fast) peer.sendBlockRefs('reject', [req]);
  }

  /**
   * We choked `peer`: its queued requests are void (BEP 3), or rejected one by one under BEP 6.
   * Runs being read are rejected when their reads settle (see {@link deliver}).
   */
  onChoked(peer: PeerRecord): void {
    this.refuse(peer, peer.uploadQueue);
    peer.uploadQueue.length = 0;
  }

  /** The socket drained: carry on serving. */
  onWritable(peer: PeerRecord): void {
    this.pump(peer);
  }

  /**
   * Starts reads of queued runs while fewer than {@link READ_AHEAD_RUNS} are pending, the socket
   * takes more, and the bytes ahead of it stay under the peer's share (see {@link AHEAD_SECONDS}).
   */
  private pump(peer: PeerRecord): void {
    const reads = peer.uploadReads;
    if (reads.length >= READ_AHEAD_RUNS || peer.closed || !peer.gate.mayUpload) return;
    const limit = Math.min(MAX_AHEAD_BYTES, Math.max(MIN_AHEAD_BYTES, peer.up.rate(this.now()) * AHEAD_SECONDS));
    let ahead = peer.unsentBytes();
    for (const r of reads) ahead += r.buffer.length;
    // refusing a run sends rejects, which may find the socket gone: writable() then says so
    while (reads.length < READ_AHEAD_RUNS && ahead < limit && peer.writable()) {
      const run = takeRun(peer.uploadQueue);
      if (run === undefined) break;
      const first = run[0]!;
      // queued before the piece was lost: refused (BEP 6) like any request for a piece we lack,
      // after the runs being read, so the peer hears the answers in the order it asked
      if (!this.have.has(first.index)) {
        if (reads.length > 0) {
          peer.uploadQueue.unshift(...run);
          break;
        }
        this.refuse(peer, run);
        continue;
      }
      const read: UploadRead = { run, buffer: this.buffers.acquire(runLength(run)), result: undefined };
      reads.push(read);
      ahead += read.buffer.length;
      void this.storage.readBlockInto(first.index, first.begin, read.buffer).then((r) => {
        read.result = r;
        this.deliver(peer);
      });
    }
  }

  /**
   * Sends (or refuses) the settled reads at the head of the peer's list, in request order, then
   * starts the next ones. A read that settles out of order waits for those before it.
   */
  private deliver(peer: PeerRecord): void {
    const reads = peer.uploadReads;
    let stop = false;
    while (reads.length > 0 && reads[0]!.result !== undefined) {
      const { run, buffer, result } = reads.shift()!;
      const r = result!;
      if (E.isLeft(r)) {
        this.buffers.release(buffer); // not sent: nothing else holds it
        // never a partial block: BEP 6 peers hear `reject` at once, others re-request later
        if (!peer.closed) this.refuse(peer, run);
        if (r.left.code === 'closed') {
          stop = true;
          continue;
        }
        // the data under a verified piece is gone: stop offering it (our bitfield to new
        // peers, and every later request for it is refused), and say so once
        const index = run[0]!.index;
        if (this.have.has(index)) {
          this.have.clear(index);
          this.unreadable(index, r.left);
        }
        continue;
      }
      if (peer.closed) {
        this.buffers.release(buffer);
        continue;
      }
      if (!peer.gate.mayUpload) {
        // choked while the read was in flight: these requests left the queue before onChoked
        // rejected the rest, and BEP 6 still owes each one answer
        this.buffers.release(buffer);
        this.refuse(peer, run);
        continue;
      }
      this.sendRun(peer, run, buffer);
    }
    if (!stop) this.pump(peer);
  }

  /**
   * The whole run leaves in this event-loop turn (one corked writev) as views of its read
   * buffer, which goes back to the pool once the socket has written (or dropped) every block of
   * it; then there is room ahead of the socket for the next read.
   */
  private sendRun(peer: PeerRecord, run: readonly BlockRef[], buffer: Uint8Array): void {
    let unwritten = run.length;
    const written = (): void => {
      if (--unwritten !== 0) return;
      this.buffers.release(buffer);
      this.pump(peer);
    };
    let at = 0;
    for (const q of run) {
      peer.send({ type: 'piece', index: q.index, begin: q.begin, block: buffer.subarray(at, at + q.length) }, written);
      at += q.length;
    }
    // the rate meters count the run at once: it left in this turn
    const t = this.now();
    peer.up.add(at, t);
    this.upTotal.add(at, t);
  }

  /** BEP 6 peers hear a `reject` per request; others re-request later. */
  private refuse(peer: PeerRecord, run: readonly BlockRef[]): void {
    if (peer.gate.fast) peer.sendBlockRefs('reject', run);
  }
}
