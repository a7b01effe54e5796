/** Why a storage operation failed. */
export type StorageErrorCode =
  /** A file path would resolve outside the download directory (or two files share one path). */
  | 'path-escape'
  /** The operating system refused (ENOSPC, EACCES, EIO, ...). */
  | 'io'
  /** A file is shorter than the torrent says (missing data). */
  | 'short-read'
  /** (index, begin, length) does not lie inside the piece. */
  | 'out-of-range'
  /** A write targeted a piece already verified; refused so good data is never overwritten. */
  | 'piece-verified'
  /** The storage was closed. */
  | 'closed';

/** A storage failure as a value, with a one-line message a user can act on. */
export interface StorageError {
  readonly _tag: 'StorageError';
  readonly code: StorageErrorCode;
  readonly message: string;
}

/** Constructs a {@link StorageError}. */
export const storageError = (code: StorageErrorCode, message: string): StorageError => ({ _tag: 'StorageError', code, message });

/** "cannot write /x/y: ENOSPC" from a Node.js system error. */
export const ioError = (verb: string, path: string, cause: unknown): StorageError => {
  const c = cause as { code?: unknown; message?: unknown } | null;
  const why = typeof c?.code === 'string' ? c.code : typeof c?.message === 'string' ? c.message : String(cause);
  return storageError('io', `cannot ${verb} ${path}: ${why}`);
};
