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

/** What common system error codes mean, in the words a user acts on. */
const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a folder',
  EISDIR: 'is a folder, not a file',
  EIO: 'input/output error (failing disk or medium?)',
  EMFILE: 'too many open files',
  EFBIG: 'file too large for this file system',
  ESPIPE: 'not a regular file: a pipe or socket?',
  // e.g. flushing a pipe, or a file system that takes no writes at that offset or size
  EINVAL: 'invalid argument: not a regular file, or a file system that refuses this operation',
};

/** "cannot write /x/y: ENOSPC (no space left on device)" from a Node.js system error (as the CLI words its own output errors). */
export const ioError = (verb: string, path: string, cause: unknown): StorageError => {
  const c = cause as { code?: unknown; message?: unknown } | null;
  const code = typeof c?.code === 'string' ? c.code : undefined;
  const why =
    code !== undefined ? (CAUSES[code] !== undefined ? `${code} (${CAUSES[code]})` : code) : typeof c?.message === 'string' ? c.message : String(cause);
  return storageError('io', `cannot ${verb} ${path}: ${why}`);
};
