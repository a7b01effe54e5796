/** Why a torrent could not be created. */
export type CreateErrorCode =
  | 'not-found'
  /** A socket, FIFO, device or dangling symlink in the content: we never skip silently. */
  | 'unsupported-file'
  /** A folder symlink that leads back to one of its own parent folders. */
  | 'symlink-loop'
  /** No bytes to share: no files, or only empty ones. */
  | 'empty'
  | 'read-failed'
  /** A file changed size while it was being hashed. */
  | 'changed'
  /** An option value out of range (piece length, trackers). */
  | 'bad-option';

/** A failed torrent creation, with a one-line message naming the path or option at fault. */
export interface CreateError {
  readonly _tag: 'CreateError';
  readonly code: CreateErrorCode;
  readonly message: string;
}

/** Constructs a {@link CreateError}. */
export const createError = (code: CreateErrorCode, message: string): CreateError => ({ _tag: 'CreateError', code, message });

/** Type guard, for errors arriving on an Observable's error channel. */
export const isCreateError = (e: unknown): e is CreateError =>
  typeof e === 'object' && e !== null && (e as { _tag?: unknown })._tag === 'CreateError';
