/**
 * A validated, sanitized v1 torrent (BEP 3). Everything here has been decoded from untrusted
 * bytes and checked; file paths are safe to join under a download directory.
 */
export interface Metainfo {
  /** SHA-1 of the original bencoded `info` dictionary bytes (20 bytes). */
  readonly infoHash: Uint8Array;
  /** {@link Metainfo.infoHash} as 40 lowercase hex characters. */
  readonly infoHashHex: string;
  /** The raw `info` dictionary bytes exactly as they appeared (for BEP 9 metadata exchange). */
  readonly infoBytes: Uint8Array;
  /** Sanitized torrent name: the file name (single-file) or the top folder (multi-file). */
  readonly name: string;
  /** Bytes per piece (the last piece may be shorter). */
  readonly pieceLength: number;
  /** Number of pieces. */
  readonly pieceCount: number;
  /** Concatenated 20-byte SHA-1 hashes, one per piece. */
  readonly pieces: Uint8Array;
  /** Sum of all file lengths. */
  readonly totalLength: number;
  /** True when the info dictionary has `files` (content goes under `<dir>/<name>/`). */
  readonly multiFile: boolean;
  /** Files in torrent order, each placed in the concatenated content. */
  readonly files: readonly FileEntry[];
  /** Tracker tiers (BEP 12); `[[announce]]` when only `announce` is present; may be empty. */
  readonly announceList: readonly (readonly string[])[];
  /** Web seed URLs (BEP 19). */
  readonly urlList: readonly string[];
  /** `private` flag (BEP 27): no DHT, no PEX, trackers only. */
  readonly private: boolean;
  readonly comment?: string;
  readonly createdBy?: string;
  /** Seconds since the Unix epoch. */
  readonly creationDate?: number;
}

/** One file of a torrent. */
export interface FileEntry {
  /**
   * Path components relative to the download directory, already sanitized; includes the
   * torrent name as the first component for multi-file torrents (`[name, ...path]`), and is
   * `[name]` for single-file torrents.
   */
  readonly path: readonly string[];
  /** File length in bytes. */
  readonly length: number;
  /** Offset of the file's first byte in the torrent's concatenated content. */
  readonly offset: number;
  /** BEP 47 padding file: occupies piece space but is never written to disk. */
  readonly padding: boolean;
}
