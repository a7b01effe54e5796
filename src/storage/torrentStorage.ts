import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type { Metainfo } from '../metainfo/types.js';
import { Bitfield } from '../pieces/bitfield.js';
import { BLOCK_SIZE } from '../pieces/pieceGeometry.js';
import { DEFAULT_MAX_QUEUED_BYTES, DiskQueue } from './diskQueue.js';
import type { DiskWriter } from './diskWriter.js';
import { FileHandleCache } from './fileHandleCache.js';
import { FileLayout } from './fileLayout.js';
import { readFully } from './fullIo.js';
import type { HashWorkers } from './hashWorkers.js';
import { PendingWrites } from './pendingWrites.js';
import { PieceDigests } from './pieceDigests.js';
import { PieceWriter, WORKER_AFTER_BYTES, type BLOCK_STAGED } from './pieceWriter.js';
import type { ReadBufferPool } from './readBufferPool.js';
import { ioError, storageError, type StorageError } from './storageError.js';
import { createFiles, resolveFilePaths, sizesOnDisk } from './torrentFiles.js';

export { WORKER_AFTER_BYTES };

/** Options of {@link TorrentStorage.open}. */
export interface TorrentStorageOptions {
  /** Most file handles kept open at once (LRU). Default 64. */
  readonly maxOpenFiles?: number;
  /**
   * Worker threads that compute piece SHA-1s: of pieces completed in memory, read in place from
   * shared buffers while the piece is written; of pieces on disk (resume checks, pieces spilled
   * over the memory budget), read by the worker itself. The caller owns (and closes) them.
   * Default (or `false`): hash on the main thread, from memory as blocks arrive in order, from
   * disk 1 MiB at a time. Measured side by side on a busy 2-core machine with the seeder on
   * the same cores, the worker cost more CPU and wall time than it saved (bench:download), so
   * it is opt-in. Either way a downloader bounds what waits for the disk with
   * {@link TorrentStorage.queueFull} and {@link TorrentStorage.onQueueDrained}.
   */
  readonly hashWorkers?: HashWorkers | false;
  /**
   * Where completed pieces are written. A {@link DiskWriter}: that worker (one 16 KiB `pwrite`
   * at a time, off the main thread; see there for the numbers). `false`: libuv's pool, one
   * vectored write per run. Default: the pool for this storage's first
   * {@link WORKER_AFTER_BYTES}, then the process's shared writer (starting a worker costs
   * ~0.1 CPU-s and ~15 MiB, more than it saves on a small download).
   */
  readonly diskWriter?: DiskWriter | false;
  /**
   * Most bytes of incomplete pieces held in memory (default 32 MiB; 0 writes every block at
   * once). Whole 16 KiB blocks are held until their piece is complete, then written with one
   * vectored write; past this budget the oldest incomplete piece is written out early.
   */
  readonly maxStagedBytes?: number;
  /**
   * High-water mark of bytes received and not yet on disk (staged plus being written), above
   * which a downloader should stop asking for more: see {@link TorrentStorage.queueFull}.
   * Default {@link DEFAULT_MAX_QUEUED_BYTES} (8 MiB); the low-water mark is half of it.
   */
  readonly maxQueuedBytes?: number;
}

/** Hash chunk size: big enough for throughput, small enough that one chunk never stalls the loop. */
const VERIFY_CHUNK = 1024 * 1024;
const OK: E.Either<StorageError, void> = E.right(undefined);

/**
 * The torrent's files on disk, addressed by piece: `writeBlock` for downloading, `readBlock` for
 * seeding, `verifyPieceResult` for the SHA-1 check (BEP 3). Files are created lazily on first write
 * (so they grow sparse-free only where data landed, and a resume check can skip pieces past a
 * file's end without reading); zero-length files are created at open; BEP 47 padding files
 * are never touched and read as zeros.
 */
export class TorrentStorage {
  readonly metainfo: Metainfo;
  readonly layout: FileLayout;
  /** Absolute path of each file (padding files included, though never created). */
  readonly paths: readonly string[];
  private readonly verified: Bitfield;
  private readonly cache: FileHandleCache;
  private readonly hashWorkers: HashWorkers | undefined;
  /** Writes in flight per piece, and their failures. */
  private readonly pending: PendingWrites;
  /** Bytes staged or being written (and hashed), with the downloader's marks. */
  private readonly queue: DiskQueue;
  private closed = false;
  /** SHA-1s of pieces completed in memory, waiting for {@link verifyPiece}. */
  private readonly digests = new PieceDigests();
  /** Stages blocks and writes them (see {@link writeBlock}). */
  private readonly pieceWriter: PieceWriter;

  private constructor(metainfo: Metainfo, paths: readonly string[], options: TorrentStorageOptions) {
    this.metainfo = metainfo;
    this.paths = paths;
    this.layout = new FileLayout(metainfo.files, metainfo.pieceLength);
    this.verified = new Bitfield(metainfo.pieceCount);
    this.cache = new FileHandleCache(options.maxOpenFiles ?? 64);
    this.hashWorkers = options.hashWorkers === false ? undefined : options.hashWorkers;
    this.pending = new PendingWrites(metainfo.pieceCount);
    this.queue = new DiskQueue(Math.max(BLOCK_SIZE, options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES));
    this.pieceWriter = new PieceWriter({
      storage: this,
      cache: this.cache,
      queue: this.queue,
      pending: this.pending,
      digests: this.digests,
      hashWorkers: this.hashWorkers,
      writer: options.diskWriter,
      maxStagedBytes: Math.max(0, options.maxStagedBytes ?? 32 * 1024 * 1024),
    });
  }

  /**
   * Prepares storage under `downloadDir`: refuses any file path resolving outside it, creates
   * parent directories and zero-length files. Existing files are left as they are (resume).
   */
  static async open(downloadDir: string, metainfo: Metainfo, options: TorrentStorageOptions = {}): Promise<E.Either<StorageError, TorrentStorage>> {
    const paths = resolveFilePaths(downloadDir, metainfo.files);
    if (E.isLeft(paths)) return paths;
    const failed = await createFiles(metainfo.files, paths.right);
    if (failed !== undefined) return E.left(failed);
    return E.right(new TorrentStorage(metainfo, paths.right, options));
  }

  /** Byte length of piece `index` (0 when out of range). */
  pieceSize(index: number): number {
    const m = this.metainfo;
    if (!(Number.isInteger(index) && index >= 0 && index < m.pieceCount)) return 0;
    return Math.min(m.pieceLength, m.totalLength - index * m.pieceLength); // branchless: see PieceGeometry.pieceSize
  }

  /** True when piece `index` passed {@link verifyPiece} or was {@link markVerified}. */
  isVerified(index: number): boolean {
    return this.verified.has(index);
  }

  /** Records that piece `index` is known good (e.g. checked elsewhere); later writes to it are refused. */
  markVerified(index: number): void {
    if (index >= 0 && index < this.verified.length) this.verified.set(index);
    this.digests.forget(index);
    this.pieceWriter.drop(index);
    this.releaseIfComplete();
  }

  /** Piece `index` is no longer good on disk (its file was truncated or replaced): writes to it are accepted again. */
  markMissing(index: number): void {
    this.verified.clear(index);
  }

  /** A copy of the verified pieces. */
  verifiedPieces(): Bitfield {
    return this.verified.copy();
  }

  /**
   * Writes `data` at `begin` in piece `index`. Concurrent writes are fine (each targets its own
   * range); {@link verifyPiece} waits for those in flight for its piece.
   *
   * `data` is copied before this returns, so the caller may reuse it at once (e.g. a socket's
   * shared read buffer). A whole 16 KiB block slot is held in memory until its
   * piece is complete; the call completing the piece writes it all and reports any write error,
   * earlier calls resolve at once (with {@link BLOCK_STAGED} itself, a success a caller may skip
   * waiting on). {@link verifyPiece} and {@link close} write out what is held.
   */
  writeBlock(index: number, begin: number, data: Uint8Array): Promise<E.Either<StorageError, void>> {
    // not async: a block that is only staged (most of them) costs no promise of its own
    const bad = this.checkRange(index, begin, data.length);
    if (bad !== undefined) return Promise.resolve(E.left(bad));
    if (this.verified.has(index)) return Promise.resolve(E.left(storageError('piece-verified', `refusing to write piece ${index}: it is already verified`)));
    this.digests.forget(index); // new data: a digest from an earlier copy no longer holds
    return this.pieceWriter.write(index, begin, data);
  }

  /**
   * Bytes received and not yet on disk: blocks staged until their piece is whole, plus pieces
   * being written (and hashed). This is the memory a download holds for the disk; a downloader
   * bounds it with {@link queueFull} and {@link onQueueDrained} (libtorrent's
   * `max_queued_disk_bytes`).
   */
  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** The high-water mark of {@link queuedBytes} ({@link TorrentStorageOptions.maxQueuedBytes}). */
  get maxQueuedBytes(): number {
    return this.queue.highWater;
  }

  /** The low-water mark of {@link queuedBytes}: where a full queue counts as drained (half the high mark). */
  get queueLowWater(): number {
    return this.queue.lowWater;
  }

  /**
   * True while {@link queuedBytes} is above {@link maxQueuedBytes} with a write in flight: the
   * disk is behind, and requesting more only moves the queue from the socket into memory.
   * (With no write in flight the queue is never full: what it holds is incomplete pieces that
   * only more blocks can finish, bounded by the staging budget.)
   */
  get queueFull(): boolean {
    return this.queue.full;
  }

  /**
   * Calls `listener` once, in a microtask, when {@link queuedBytes} is at most
   * {@link queueLowWater} or no write is left in flight (at once when that already holds), or
   * the storage closes.
   */
  onQueueDrained(listener: () => void): void {
    if (this.closed) queueMicrotask(listener);
    else this.queue.onDrained(listener);
  }

  /**
   * Bytes received and handed to the disk (or the hash worker) whose write or hash has not
   * finished yet: memory the download holds beyond the staging budget. A downloader that keeps
   * requesting while this grows only moves the queue from the socket into memory (see
   * {@link queuedBytes}, which adds the staged blocks).
   */
  get backlogBytes(): number {
    return this.queue.writing;
  }

  /**
   * Reads `length` bytes at `begin` in piece `index` (for seeding): a block, or a run of
   * blocks in one read; padding reads as zeros.
   */
  async readBlock(index: number, begin: number, length: number): Promise<E.Either<StorageError, Uint8Array>> {
    const bad = this.checkRange(index, begin, length);
    if (bad !== undefined) return E.left(bad);
    const out = new Uint8Array(length);
    const err = await this.readInto(index, begin, out, length);
    return err === undefined ? E.right(out) : E.left(err);
  }

  /**
   * {@link readBlock} into the caller's buffer: fills all of `out` with the `out.length` bytes
   * at `begin` in piece `index` (e.g. a recycled buffer from a {@link ReadBufferPool}, so
   * seeding allocates nothing per read). Right(out) once filled; on Left, `out` holds an
   * unspecified part of the data and must not be sent.
   */
  async readBlockInto(index: number, begin: number, out: Uint8Array): Promise<E.Either<StorageError, Uint8Array>> {
    const bad = this.checkRange(index, begin, out.length);
    if (bad !== undefined) return E.left(bad);
    const err = await this.readInto(index, begin, out, out.length);
    return err === undefined ? E.right(out) : E.left(err);
  }

  /**
   * Hashes piece `index` with SHA-1 and compares with the torrent's hash (BEP 3); marks it
   * verified when it matches. Held blocks of the piece are written out first, and the result
   * comes only after every write to the piece has settled (even when one failed), so no older
   * write can land on disk after a verdict. With `hashWorkers` the reading and hashing run in a
   * worker thread; otherwise here, 1 MiB at a time, so a 16 MiB piece yields to the event loop
   * between chunks.
   *
   * Right(true): verified. Right(false): the data does not match (the senders' fault).
   * Left: the check could not be made here (write or read error, file missing or short,
   * storage `closed`, index `out-of-range`), which says nothing about the senders.
   */
  async verifyPieceResult(index: number): Promise<E.Either<StorageError, boolean>> {
    const size = this.pieceSize(index);
    if (this.closed) return E.left(this.closedError());
    if (size === 0) return E.left(storageError('out-of-range', `piece ${index} is outside the torrent's ${this.metainfo.pieceCount} pieces`));
    const flushing = this.pieceWriter.flush(index);
    const flushError = flushing === undefined ? undefined : await flushing;
    // an earlier write of this piece (e.g. spilled over the memory budget) may still be in flight
    await this.pending.settled(index);
    const failedWrite = this.pending.takeFailure(index);
    if (flushError !== undefined || failedWrite !== undefined) {
      this.digests.forget(index);
      return E.left(flushError ?? failedWrite!);
    }
    if (this.closed) return E.left(this.closedError());
    const expected = this.metainfo.pieces.subarray(index * 20, index * 20 + 20);
    if (expected.length !== 20) return E.left(storageError('out-of-range', `piece ${index} has no hash in the torrent`));
    const memo = this.digests.take(index);
    const job = this.digests.takeJob(index);
    const fromMemory = job === undefined ? undefined : await job;
    const digest =
      memo !== undefined ? E.right(memo)
      : fromMemory !== undefined && E.isRight(fromMemory) ? fromMemory
      // no digest from memory (or its worker failed): hash what is on disk
      : this.hashWorkers === undefined ? await this.hashHere(index, size)
      : await this.hashInWorker(index, size);
    if (E.isLeft(digest)) return digest;
    // closed while hashing: the caller is shutting down and must not act on a verdict
    if (this.closed) return E.left(this.closedError());
    const d = digest.right;
    if (!Buffer.from(d.buffer, d.byteOffset, d.byteLength).equals(expected)) return E.right(false);
    this.verified.set(index);
    this.releaseIfComplete();
    return E.right(true);
  }

  /** A torrent with every piece stages nothing more (unless a piece is lost): its staging memory goes. */
  private releaseIfComplete(): void {
    if (this.verified.isComplete) this.pieceWriter.trimPool();
  }

  /**
   * {@link verifyPieceResult} as a yes/no: true only when verified. A local failure (I/O error,
   * missing or short file, closed storage) gives false too, as for a resume check, where such a
   * piece is simply not present.
   */
  async verifyPiece(index: number): Promise<boolean> {
    const r = await this.verifyPieceResult(index);
    return E.isRight(r) && r.right;
  }

  /** SHA-1 of piece `index` read and hashed here, 1 MiB at a time. */
  private async hashHere(index: number, size: number): Promise<E.Either<StorageError, Uint8Array>> {
    const hash = createHash('sha1');
    const buf = new Uint8Array(Math.min(VERIFY_CHUNK, size));
    for (let off = 0; off < size; off += buf.length) {
      const n = Math.min(buf.length, size - off);
      const err = await this.readInto(index, off, buf, n);
      if (err !== undefined) return E.left(err);
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
    }
    return E.right(hash.digest());
  }

  /** SHA-1 of piece `index` computed by a worker thread reading the files itself. */
  private async hashInWorker(index: number, size: number): Promise<E.Either<StorageError, Uint8Array>> {
    const ranges = this.layout.pieceSegments(index, 0, size).map((seg) => ({
      path: seg.padding ? null : this.paths[seg.fileIndex]!,
      offset: seg.fileOffset,
      length: seg.length,
    }));
    const r = await this.hashWorkers!.hash(ranges);
    if (E.isRight(r)) return r;
    const why = r.left.replace(/\s+/g, ' ');
    return E.left(storageError(r.left === 'short file' ? 'short-read' : 'io', `cannot read piece ${index} of ${this.metainfo.name}: ${why}`));
  }

  /** Current size of each file in bytes, -1 when missing (padding files report their length). */
  fileSizes(): Promise<Float64Array> {
    return sizesOnDisk(this.metainfo.files, this.paths);
  }

  /** Waits for every in-flight write, flushes and closes all files. Later calls fail with `closed`. */
  async close(): Promise<E.Either<StorageError, void>> {
    if (this.closed) return OK;
    this.closed = true;
    this.queue.release();
    // incomplete pieces' blocks go to disk too, so a later resume finds what was received
    const flushed = await this.pieceWriter.flushAll();
    const failed = flushed.find((e) => e !== undefined);
    if (this.pending.inFlight > 0) await this.pending.idle();
    const unclosed = await this.cache.closeAll();
    if (failed !== undefined) return E.left(failed);
    return unclosed === undefined ? OK : E.left(ioError(unclosed.verb, unclosed.path, unclosed.cause));
  }

  private checkRange(index: number, begin: number, length: number): StorageError | undefined {
    if (this.closed) return this.closedError();
    const size = this.pieceSize(index);
    if (size === 0 || !Number.isInteger(begin) || !Number.isInteger(length) || begin < 0 || length <= 0 || begin + length > size) {
      return storageError('out-of-range', `block (${index}, ${begin}, ${length}) is outside piece ${index} of ${size} bytes`);
    }
    return undefined;
  }

  private closedError(): StorageError {
    return storageError('closed', `storage for ${this.metainfo.name} is closed`);
  }

  /**
   * Reads piece bytes into `out`. Refuses once closed, checked before every file: close()
   * emptied the handle cache, and a handle opened after that would never be closed.
   */
  private async readInto(index: number, begin: number, out: Uint8Array, length: number): Promise<StorageError | undefined> {
    let at = 0;
    for (const seg of this.layout.pieceSegments(index, begin, length)) {
      if (this.closed) return this.closedError();
      if (seg.padding) {
        out.fill(0, at, at + seg.length);
      } else {
        const path = this.paths[seg.fileIndex]!;
        const from = at;
        try {
          const got = await this.cache.use(path, false, (fh) => readFully(fh, out, from, seg.length, seg.fileOffset));
          if (got < seg.length) return storageError('short-read', `cannot read ${path}: file ends before byte ${seg.fileOffset + seg.length}`);
        } catch (e) {
          return ioError('read', path, e);
        }
      }
      at += seg.length;
    }
    return undefined;
  }
}
