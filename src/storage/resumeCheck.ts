import * as E from 'fp-ts/lib/Either.js';
import { Bitfield } from '../pieces/bitfield.js';
import type { TorrentStorage } from './torrentStorage.js';

/** Options of {@link resumeCheck}. */
export interface ResumeCheckOptions {
  /** Called after each piece with the number checked so far and the total. */
  readonly onProgress?: (checked: number, total: number) => void;
  /** Stops the check between pieces; the result then holds the pieces verified so far. */
  readonly signal?: AbortSignal;
}

/**
 * Finds which pieces are already on disk and correct, e.g. after a restart. A piece whose file
 * is missing or too short is skipped without reading (it cannot be complete); every other
 * piece is hashed. Because only a matching SHA-1 counts, a download killed at any moment
 * (half-written blocks, torn files) just loses its unfinished pieces, which are fetched again.
 * Verified pieces are also marked in `storage`, so later writes to them are refused.
 * A piece that cannot be read (I/O error) is not present either. The check ends early, with
 * the pieces verified so far, when `signal` aborts or `storage` is closed under it.
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
    if (present) {
      const r = await storage.verifyPieceResult(index);
      if (E.isLeft(r) && r.left.code === 'closed') break;
      if (E.isRight(r) && r.right) have.set(index);
    }
    options.onProgress?.(index + 1, m.pieceCount);
  }
  return have;
};
