/** Metainfo (.torrent files, BEP 3/12/19/27/47): parsing, loading, path sanitizing, creation. */
export type { Metainfo, FileEntry } from './types.js';
export * from './errors.js';
export * from './limits.js';
export { parseMetainfo } from './parseMetainfo.js';
export { loadMetainfo, readTorrentFile, isUrl } from './loadMetainfo.js';
export { fetchTorrentBytes, type FetchLimits } from './fetchTorrentBytes.js';
export { sanitizeComponent, sanitizePath, makePathsUnique, EMPTY_PATH_PLACEHOLDER } from './sanitizePath.js';
export { drawDecodeError, summarizeDecodeError } from './drawDecodeError.js';
export { createError, isCreateError, type CreateError, type CreateErrorCode } from './createError.js';
export { scanContent, type Content, type ContentFile } from './scanContent.js';
export { hashPieces, type HashProgress, type HashDone } from './hashPieces.js';
export { choosePieceLength, checkPieceLength, MIN_AUTO_PIECE_LENGTH, MAX_AUTO_PIECE_LENGTH } from './pieceLength.js';
export {
  createTorrent,
  createTorrentTask,
  type CreateTorrentOptions,
  type CreatedTorrent,
  type CreateTorrentEvent,
} from './createTorrent.js';
export { packageVersion, defaultCreatedBy } from './packageVersion.js';
