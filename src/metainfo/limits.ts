import { TORRENT_MAX_BYTES } from '../bencode/budget.js';

/**
 * Bounds applied to every torrent we read or write. A torrent is untrusted input: each bound keeps
 * a hostile file from exhausting memory or producing absurd work, while staying well above what
 * real torrents use.
 */

/**
 * Largest accepted `piece length`: 256 MiB. A piece may be assembled in memory before its SHA-1
 * is checked, so this bounds per-piece memory; it is 16x the largest size our own creator picks.
 */
export const MAX_PIECE_LENGTH = 256 * 1024 * 1024;

/** Most pieces in one torrent (2^22, an 80 MiB `pieces` string). */
export const MAX_PIECE_COUNT = 4 * 1024 * 1024;

/** Most files in one torrent, padding files included. */
export const MAX_FILES = 1_000_000;

/**
 * Largest .torrent file we read from disk or a URL, or parse: 10 MB, as libtorrent's
 * `max_buffer_size`. Raised per call with {@link MetainfoLimits.maxBytes} (CLI `--max-torrent-size`).
 */
export const MAX_TORRENT_BYTES = TORRENT_MAX_BYTES;

/**
 * Bounds for decoding one .torrent. Defaults keep a hostile file at or under the size limit to
 * about a second and ~200 MiB (bench/decode.bench.ts); each can be raised for an odd real torrent.
 */
export interface MetainfoLimits {
  /** Largest input, bytes (default {@link MAX_TORRENT_BYTES}). */
  readonly maxBytes?: number;
  /** Deepest nesting (default 100). */
  readonly maxDepth?: number;
  /**
   * Item budget of the bencode decode (default in proportion to the input, see `itemsFor`,
   * capped at 1.5M items per 10 MB of {@link maxBytes}).
   */
  readonly maxItems?: number;
}

/**
 * Most components in one file path (the torrent name excluded): components past it are joined
 * into the last one, so a hostile torrent cannot make thousands of nested folders.
 */
export const MAX_PATH_DEPTH = 64;

/** Longest sanitized path component in UTF-8 bytes (the NAME_MAX of common file systems). */
export const MAX_COMPONENT_BYTES = 255;

/** Block size of the wire protocol; created piece lengths must be a multiple of it. */
export { BLOCK_SIZE } from '../pieces/pieceGeometry.js';
