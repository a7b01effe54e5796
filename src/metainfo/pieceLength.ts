import { BLOCK_SIZE } from '../pieces/pieceGeometry.js';
import { MAX_PIECE_COUNT, MAX_PIECE_LENGTH } from './limits.js';

/** Smallest and largest piece length {@link choosePieceLength} picks. */
export const MIN_AUTO_PIECE_LENGTH = 16 * 1024;
export const MAX_AUTO_PIECE_LENGTH = 16 * 1024 * 1024;
/** Piece count the automatic choice stays at or below (so it lands between ~1000 and 2000). */
const TARGET_MAX_PIECES = 2000;

/**
 * Automatic piece length: the smallest power of two from 16 KiB to 16 MiB that gives at most
 * 2000 pieces, so most torrents get 1000–2000 pieces (small enough `pieces`, fine-grained
 * enough verification).
 */
export function choosePieceLength(totalLength: number): number {
  let pl = MIN_AUTO_PIECE_LENGTH;
  while (totalLength / pl > TARGET_MAX_PIECES && pl < MAX_AUTO_PIECE_LENGTH) pl *= 2;
  return pl;
}

/** Why a chosen piece length is refused, or `undefined` when it is fine for `totalLength`. */
export function checkPieceLength(pieceLength: number, totalLength: number): string | undefined {
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0 || pieceLength % BLOCK_SIZE !== 0) {
    return `piece length ${pieceLength} must be a positive multiple of ${BLOCK_SIZE} (16 KiB)`;
  }
  if (pieceLength > MAX_PIECE_LENGTH) return `piece length ${pieceLength} is above the ${MAX_PIECE_LENGTH}-byte limit`;
  const count = Math.ceil(totalLength / pieceLength);
  if (count > MAX_PIECE_COUNT) return `piece length ${pieceLength} gives ${count} pieces, above the limit of ${MAX_PIECE_COUNT}`;
  return undefined;
}
