import { constants, type FileHandle, open } from 'node:fs/promises';

/** A file {@link FileHandleCache.closeAll} could not flush or close, and why. */
export interface CloseFailure {
  readonly path: string;
  readonly verb: 'flush' | 'close';
  readonly cause: unknown;
}

/** A handle held for one operation; see {@link FileHandleCache.lease}. */
export interface Lease {
  readonly handle: Promise<FileHandle>;
}

interface Entry extends Lease {
  users: number;
  written: boolean;
}

/**
 * Open file handles, least recently used closed first once more than `limit` are open, so a
 * torrent of 10 000 files never exhausts the process's descriptors. A handle in use by an
 * in-flight read or write is never closed under it (the cache may briefly exceed its limit).
 */
export class FileHandleCache {
  private readonly entries = new Map<string, Entry>();
  /** The most recently used path (last in {@link entries}). */
  private mru = '';

  constructor(private readonly limit = 64) {}

  /**
   * Runs `fn` with an open handle for `path` (read-write; created when `create` is set, else a
   * missing file fails with ENOENT). Rejects with the system error.
   */
  async use<T>(path: string, create: boolean, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    const lease = this.lease(path, create);
    try {
      return await fn(await lease.handle);
    } finally {
      this.release(lease);
    }
  }

  /**
   * Takes a handle for `path` without a callback (one async layer less on the hot path); the
   * handle stays open until {@link release}. Await `lease.handle`; it rejects with the system error.
   */
  lease(path: string, create: boolean): Lease {
    let e = this.entries.get(path);
    if (e === undefined) {
      e = { handle: openHandle(path, create), users: 0, written: false };
      const fresh = e;
      // Forget a failed open so the next call retries instead of caching the error.
      fresh.handle.catch(() => {
        if (this.entries.get(path) === fresh) this.entries.delete(path);
      });
      this.entries.set(path, e);
      this.mru = path;
    } else if (this.mru !== path) {
      // Map order is our LRU order; re-insert only when the file is not already the newest.
      this.entries.delete(path);
      this.entries.set(path, e);
      this.mru = path;
    }
    e.users++;
    if (create) e.written = true;
    return e;
  }

  /** Ends a {@link lease}. */
  release(lease: Lease): void {
    (lease as Entry).users--;
    if (this.entries.size > this.limit) this.evict();
  }

  /** Number of cached handles (open or opening). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Closes every handle, first flushing those written to (fdatasync), so data survives a crash
   * after close. Every handle is flushed and closed whatever another one's fate; resolves with
   * the first failure (its file and the system error), if any.
   */
  async closeAll(): Promise<CloseFailure | undefined> {
    const all = [...this.entries];
    this.entries.clear();
    this.mru = '';
    const failures = await Promise.all(
      all.map(async ([path, e]): Promise<CloseFailure | undefined> => {
        const fh = await e.handle.catch(() => undefined);
        if (fh === undefined) return undefined; // never opened: its open's error was reported then
        let failure: CloseFailure | undefined;
        if (e.written) await fh.datasync().catch((cause: unknown) => (failure = { path, verb: 'flush', cause }));
        await fh.close().catch((cause: unknown) => (failure ??= { path, verb: 'close', cause }));
        return failure;
      }),
    );
    return failures.find((f) => f !== undefined);
  }

  private evict(): void {
    if (this.entries.size <= this.limit) return;
    for (const [path, e] of this.entries) {
      if (this.entries.size <= this.limit) break;
      if (e.users > 0) continue;
      this.entries.delete(path);
      if (path === this.mru) this.mru = '';
      void e.handle.then((fh) => fh.close()).catch(() => undefined);
    }
  }
}

/**
 * Opens read-write (creating when asked). A read of a file we may not write (seeding from
 * read-only media or files owned by someone else) falls back to read-only; a later write
 * through that handle then fails with EBADF, reported like any other write error.
 */
const openHandle = async (path: string, create: boolean): Promise<FileHandle> => {
  try {
    return await open(path, constants.O_RDWR | (create ? constants.O_CREAT : 0), 0o644);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (create || (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM')) throw e;
    return open(path, constants.O_RDONLY);
  }
};
