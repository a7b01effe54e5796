/**
 * Storage: the torrent's files on disk, addressed by piece and block.
 * @packageDocumentation
 */
export { FileLayout, type FileSegment } from './fileLayout.js';
export { TorrentStorage, type TorrentStorageOptions } from './torrentStorage.js';
export { BLOCK_STAGED } from './pieceWriter.js';
export { ReadBufferPool, SMALLEST_READ_BUFFER } from './readBufferPool.js';
export { HashWorkers, type HashRange } from './hashWorkers.js';
export { DEFAULT_MAX_QUEUED_BYTES } from './diskQueue.js';
export { resumeCheck, type ResumeCheckOptions } from './resumeCheck.js';
export { storageError, type StorageError, type StorageErrorCode } from './storageError.js';
