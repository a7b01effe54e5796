import type { BencodeError } from '../bencode/index.js';

/** Why bytes are not a usable v1 torrent. */
export type MetainfoErrorCode =
  /** Not valid bencode, or over the nesting or item budget; see {@link MetainfoError.bencode}. */
  | 'bencode'
  /** Larger than {@link MetainfoLimits.maxBytes} (default 10 MB). */
  | 'too-large'
  /** Wrong shape: a missing key or a value of the wrong type; see {@link MetainfoError.tree}. */
  | 'structure'
  /** `piece length` outside 1 .. {@link MAX_PIECE_LENGTH}. */
  | 'piece-length'
  /** `pieces` is not a whole number of 20-byte hashes. */
  | 'pieces-length'
  /** Number of hashes differs from ceil(total / piece length), or too many pieces. */
  | 'piece-count'
  /** Total size is 0 or beyond 2^53 - 1. */
  | 'total-length'
  /** Both or neither of `length` and `files`, or an empty `files` list. */
  | 'no-files'
  | 'too-many-files'
  /** BEP 52 v2-only torrent (no v1 `pieces`). */
  | 'unsupported-v2';

/** A torrent rejected by {@link parseMetainfo}, with a one-line message a person can act on. */
export interface MetainfoError {
  readonly _tag: 'MetainfoError';
  readonly code: MetainfoErrorCode;
  /** One line, e.g. `invalid torrent: info > piece length: expected a positive integer, got -5`. */
  readonly message: string;
  /** For `structure` errors: every problem as an indented tree (io-ts Decoder draw style). */
  readonly tree?: string;
  /** For `bencode` errors: the underlying decode error with its byte offset. */
  readonly bencode?: BencodeError;
}

/** Constructs a {@link MetainfoError}. */
export const metainfoError = (
  code: MetainfoErrorCode,
  detail: string,
  extra: { readonly tree?: string; readonly bencode?: BencodeError } = {},
): MetainfoError => ({ _tag: 'MetainfoError', code, message: `invalid torrent: ${detail}`, ...extra });

/** Why a torrent could not be fetched or read (before its bytes are parsed). */
export type SourceErrorCode =
  | 'not-found'
  | 'read-failed'
  | 'too-large'
  | 'bad-url'
  | 'http-status'
  | 'network'
  | 'timeout'
  | 'too-many-redirects';

/** A torrent source (file or URL) that could not be read. */
export interface SourceError {
  readonly _tag: 'SourceError';
  readonly code: SourceErrorCode;
  /** One line naming the source and the reason. */
  readonly message: string;
}

/** Constructs a {@link SourceError}. */
export const sourceError = (code: SourceErrorCode, message: string): SourceError => ({ _tag: 'SourceError', code, message });

/** Anything {@link loadMetainfo} can fail with. */
export type LoadError = SourceError | MetainfoError;
