import * as E from 'fp-ts/lib/Either.js';
import { BlockPool } from './blockPool.js';
import type { DiskQueue } from './diskQueue.js';
import { DiskWriter, type WritePart } from './diskWriter.js';
import type { FileHandleCache, Lease } from './fileHandleCache.js';
import type { FileLayout } from './fileLayout.js';
import { sliceBuffers, writeFully, writevFully } from './fullIo.js';
import type { HashWorkers } from './hashWorkers.js';
import type { PendingWrites } from './pendingWrites.js';
import type { PieceDigests } from './pieceDigests.js';
import { StagedPiece } from './stagedPiece.js';
import { ioError, type StorageError } from './storageError.js';
import type { TorrentStorage } from './torrentStorage.js';

/** Bytes a storage writes through libuv's pool before it moves to the shared {@link DiskWriter} (by default). */
export const WORKER_AFTER_BYTES = 64 * 1024 * 1024;

/** Most files one piece may touch for the disk writer to write it (it holds them all open at once). */
const WORKER_MAX_FILES = 4;

const OK: E.Either<StorageError, void> = E.right(undefined);

/** A write that failed: the file and the system error. */
interface WriteFailure {
  readonly path: string;
  readonly cause: unknown;
}

/** Bytes of one piece run that fall in one file: views of the staged blocks, and where they go. */
interface FileSlice {
  readonly path: string;
  readonly position: number;
  readonly views: Uint8Array[];
}

const totalLength = (buffers: readonly Uint8Array[]): number => {
  let n = 0;
  for (const b of buffers) n += b.length;
  return n;
};
/**
 * What a write of a block that is only staged returns, always this same settled promise: the
 * downloader skips waiting on it, which spares a promise and a microtask per block.
 */
export const BLOCK_STAGED: Promise<E.Either<StorageError, void>> = Promise.resolve(OK);
const toEither = (err: StorageError | undefined): E.Either<StorageError, void> => (err === undefined ? OK : E.left(err));

/** What a {@link PieceWriter} shares with its storage, and how it writes. */
export interface PieceWriterParts {
  /** Whose files are written (its layout, paths and piece sizes). */
  readonly storage: Pick<TorrentStorage, 'layout' | 'paths' | 'pieceSize'>;
  readonly cache: FileHandleCache;
  /** Bytes staged or being written (and hashed), with the downloader's marks. */
  readonly queue: DiskQueue;
  /** Writes in flight per piece, and their failures. */
  readonly pending: PendingWrites;
  /** SHA-1s of pieces completed in memory, for their check. */
  readonly digests: PieceDigests;
  /** Hash completed pieces in a worker (undefined: here, as blocks arrive in order). */
  readonly hashWorkers: HashWorkers | undefined;
  /** The writer given, or false for none; undefined: the shared one after {@link WORKER_AFTER_BYTES}. */
  readonly writer: DiskWriter | false | undefined;
  /** Most bytes of incomplete pieces held in memory (0: every block written at once). */
  readonly maxStagedBytes: number;
}

/**
 * A {@link TorrentStorage}'s write path: whole 16 KiB blocks wait in memory until their piece is
 * complete, then go to disk with one vectored write per run (libuv's pool or the {@link DiskWriter});
 * other blocks, and the oldest piece once past the staging budget, are written at once.
 */
export class PieceWriter {
  private readonly layout: FileLayout;
  private readonly paths: readonly string[];
  private bytesWritten = 0;
  /** Incomplete pieces' blocks held in memory, oldest first (Map order). */
  private readonly staged = new Map<number, StagedPiece>();
  /** Grows to the most blocks held at once (the queue's marks bound that); trimmed once every piece is verified. */
  private readonly blockPool = new BlockPool();

  private readonly storage: PieceWriterParts['storage'];
  private readonly cache: FileHandleCache;
  private readonly queue: DiskQueue;
  private readonly pending: PendingWrites;
  private readonly digests: PieceDigests;
  private readonly hashWorkers: HashWorkers | undefined;
  private readonly writer: DiskWriter | false | undefined;
  private readonly maxStagedBytes: number;

  constructor(parts: PieceWriterParts) {
    ({
      storage: this.storage,
      cache: this.cache,
      queue: this.queue,
      pending: this.pending,
      digests: this.digests,
      hashWorkers: this.hashWorkers,
      writer: this.writer,
      maxStagedBytes: this.maxStagedBytes,
    } = parts);
    this.layout = parts.storage.layout;
    this.paths = parts.storage.paths;
  }

  /**
   * Writes a block already checked against the piece (see {@link TorrentStorage.writeBlock}):
   * a whole block slot is staged, and the block completing its piece writes the piece.
   */
  write(index: number, begin: number, data: Uint8Array): Promise<E.Either<StorageError, void>> {
    // not async: a block that is only staged (most of them) costs no promise of its own
    if (this.maxStagedBytes > 0) {
      const sp = this.staged.get(index) ?? new StagedPiece(index, this.storage.pieceSize(index), this.blockPool, this.hashWorkers === undefined);
      if (sp.fits(begin, data.length)) {
        if (!this.staged.has(index)) this.staged.set(index, sp);
        const before = sp.bytes;
        sp.put(begin, data);
        this.queue.staged += sp.bytes - before;
        if (sp.complete) {
          // recorded before the write: verifyPiece resumes (once the piece's writes settle) ahead of our caller
          if (this.hashWorkers !== undefined) {
            // the worker reads the blocks in place while they are written: both only read them
            const job = this.hashWorkers.hashBlocks(sp.blocksInOrder());
            this.digests.setJob(index, job);
            return this.writeStaged(sp, job).then(toEither);
          }
          const digest = sp.digest();
          if (digest !== undefined) this.digests.set(index, digest);
          return this.writeStaged(sp).then(toEither);
        }
        if (this.queue.staged > this.maxStagedBytes) {
          // over budget: the oldest incomplete piece goes to disk now (its hash is then read back)
          const oldest = this.staged.values().next().value as StagedPiece;
          return this.writeStaged(oldest).then(toEither);
        }
        return BLOCK_STAGED;
      }
    }
    return this.writeNow(index, begin, new Uint8Array(data)); // a copy (a Buffer's slice() would not be)
  }

  /** Writes out piece `index`'s held blocks, if any (undefined when none are held). */
  flush(index: number): Promise<StorageError | undefined> | undefined {
    const sp = this.staged.get(index);
    return sp === undefined ? undefined : this.writeStaged(sp);
  }

  /** Writes out every piece's held blocks. */
  flushAll(): Promise<(StorageError | undefined)[]> {
    return Promise.all([...this.staged.values()].map((sp) => this.writeStaged(sp)));
  }

  /** Gives the block pool's memory back (nothing is left to stage: every piece is verified). */
  trimPool(): void {
    this.blockPool.trim();
  }

  /** Drops piece `index`'s held blocks unwritten (the piece is known good). */
  drop(index: number): void {
    const sp = this.staged.get(index);
    if (sp !== undefined) {
      this.unstage(index);
      for (const [, buffers] of sp.takeRuns()) this.blockPool.release(buffers);
      this.queue.shrank();
    }
  }

  /**
   * Writes a staged piece's held blocks (one vectored write per run per file) and forgets it;
   * the blocks go back to the pool once written and once `reading` (a hash of them) settles.
   * The two write paths are functions of their own, each reporting its failure as a value: the
   * switch to the worker (after {@link WORKER_AFTER_BYTES}) then meets fresh code rather than
   * deoptimising one large function V8 had compiled for the pool path alone.
   */
  private async writeStaged(sp: StagedPiece, reading?: Promise<unknown>): Promise<StorageError | undefined> {
    const { index, bytes } = sp;
    this.unstage(index);
    const runs = sp.takeRuns();
    this.pending.start(index);
    this.queue.writing += bytes;
    let failure: WriteFailure | undefined;
    let error: StorageError | undefined;
    try {
      const slices = this.fileSlices(index, runs);
      let writer = this.writer ?? (this.bytesWritten >= WORKER_AFTER_BYTES ? DiskWriter.shared() : false);
      // the worker path holds every file of the piece open at once: pieces of many small files
      // go through the pool, which opens one at a time (and so keeps to maxOpenFiles)
      if (writer !== false && slices.length > WORKER_MAX_FILES && new Set(slices.map((f) => f.path)).size > WORKER_MAX_FILES) writer = false;
      this.bytesWritten += bytes;
      failure = writer !== false ? await this.writeOnWorker(writer, slices) : await this.writeInPool(slices);
    } catch (e) {
      // only a bug throws here (both write paths report I/O failures as values): name the piece
      failure = { path: `piece ${index}`, cause: e };
    } finally {
      if (failure !== undefined) {
        this.digests.forget(index); // the disk does not hold what was hashed
        error = this.pending.failed(index, ioError('write', failure.path, failure.cause));
      }
      const done = (): void => {
        for (const [, buffers] of runs) this.blockPool.release(buffers);
        this.backlogDone(bytes);
      };
      if (reading === undefined) done();
      else void reading.then(done);
      this.pending.finish(index);
    }
    return error;
  }

  /** Writes a piece's file slices through libuv's pool, one vectored write each, opening one file at a time. */
  private async writeInPool(slices: readonly FileSlice[]): Promise<WriteFailure | undefined> {
    for (const f of slices) {
      const lease = this.cache.lease(f.path, true);
      try {
        await writevFully(await lease.handle, f.views, f.position);
      } catch (e) {
        return { path: f.path, cause: e };
      } finally {
        this.cache.release(lease);
      }
    }
    return undefined;
  }

  /**
   * Writes a piece's file slices (blocks of the pool's shared memory) through the disk writer:
   * every file they touch is opened (and held open) here, then one message carries all its
   * blocks. Resolves with the failure, naming its file, if any.
   */
  private async writeOnWorker(writer: DiskWriter, slices: readonly FileSlice[]): Promise<WriteFailure | undefined> {
    // every file is leased (its open, with create, started) at once; the first failed open in
    // file order is the one reported. Filled by push, not map: map's array now and then had
    // another elements kind, and loading from it deoptimised this function once per download.
    const leases: Lease[] = [];
    for (const f of slices) leases.push(this.cache.lease(f.path, true));
    try {
      const parts: WritePart[] = [];
      const partPaths: string[] = [];
      for (let i = 0; i < slices.length; i++) {
        const f = slices[i]!;
        let fd: number;
        try {
          fd = (await leases[i]!.handle).fd;
        } catch (e) {
          return { path: f.path, cause: e };
        }
        let position = f.position;
        for (const view of f.views) {
          parts.push({ fd, position, view });
          partPaths.push(f.path);
          position += view.length;
        }
      }
      const failure = parts.length === 0 ? undefined : await writer.write(parts);
      return failure === undefined ? undefined : { path: partPaths[failure.failed] ?? partPaths[0]!, cause: { code: failure.error } };
    } finally {
      for (const lease of leases) this.cache.release(lease);
    }
  }

  /** Piece `index`'s `runs` cut at file boundaries, padding left out: what each file gets, and where. */
  private fileSlices(index: number, runs: readonly (readonly [number, Uint8Array[]])[]): FileSlice[] {
    const out: FileSlice[] = [];
    for (const [begin, buffers] of runs) {
      let at = 0;
      for (const seg of this.layout.pieceSegments(index, begin, totalLength(buffers))) {
        if (!seg.padding) out.push({ path: this.paths[seg.fileIndex]!, position: seg.fileOffset, views: sliceBuffers(buffers, at, seg.length) });
        at += seg.length;
      }
    }
    return out;
  }

  /** Drops piece `index`'s staging from the books (its blocks are the caller's). */
  private unstage(index: number): void {
    const sp = this.staged.get(index);
    if (sp === undefined) return;
    this.staged.delete(index);
    this.queue.staged -= sp.bytes;
  }

  private async writeNow(index: number, begin: number, data: Uint8Array): Promise<E.Either<StorageError, void>> {
    this.pending.start(index);
    this.queue.writing += data.length;
    let path = '';
    try {
      let at = 0;
      for (const seg of this.layout.pieceSegments(index, begin, data.length)) {
        if (!seg.padding) {
          path = this.paths[seg.fileIndex]!;
          const lease = this.cache.lease(path, true);
          try {
            const fh = await lease.handle;
            // One pwrite nearly always writes everything; loop only for the rare short write.
            const { bytesWritten } = await fh.write(data, at, seg.length, seg.fileOffset);
            if (bytesWritten < seg.length) await writeFully(fh, data, at + bytesWritten, seg.length - bytesWritten, seg.fileOffset + bytesWritten);
          } finally {
            this.cache.release(lease);
          }
        }
        at += seg.length;
      }
      return OK;
    } catch (e) {
      return E.left(this.pending.failed(index, ioError('write', path, e)));
    } finally {
      this.backlogDone(data.length);
      this.pending.finish(index);
    }
  }

  /** A write (and its hash) finished: its bytes leave the queue, which may wake a waiting downloader. */
  private backlogDone(bytes: number): void {
    this.queue.writing -= bytes;
    this.queue.shrank();
  }
}
