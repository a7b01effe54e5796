import { Bitfield } from '../pieces/bitfield.js';
import type { TorrentStorage } from './torrentStorage.js';

/** Options of {@link resumeCheck}. */
export interface ResumeCheckOptions {
  /** Called after each piece with the number checked so far and the total. */
  readonly onProgress?: (checked: number, total: number) => void;
  /** Stops the check early; the result then holds the pieces verified so far. */
  readonly signal?: AbortSignal;
}

/**
 * Finds which pieces are already on disk and correct, e.g. after a restart. A piece whose file
 * is missing or too short is skipped without reading (it cannot be complete); every other
 * piece is hashed. Because only a matching SHA-1 counts, a download killed at any moment
 * (half-written blocks, torn files) just loses its unfinished pieces, which are fetched again.
 * Verified pieces are also marked in `storage`, so later writes to them are refused.
 */
export const resumeCheck = async (storage: TorrentStorage, options: ResumeCheckOptions = {}): Promise<Bitfield> => {
  const m = storage.metainfo;
  const have = new Bitfield(m.pieceCount);
  const sizes = await storage.fileSizes();
  for (let index = 0; index < m.pieceCount; index++) {
    if (options.signal?.aborted === true) break;
    const present = storage.layout
      .pieceSegments(index, 0, storage.pieceSize(index))
      .every((seg) => (sizes[seg.fileIndex] ?? -1) >= seg.fileOffset + seg.length);
    if (present && (await storage.verifyPiece(index))) have.set(index);
    options.onProgress?.(index + 1, m.pieceCount);
  }
  return have;
};
