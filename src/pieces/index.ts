/**
 * Piece bookkeeping: bitfields, availability, per-block state, request selection.
 * @packageDocumentation
 */
export { Bitfield, type BitfieldError } from './bitfield.js';
export { Availability } from './availability.js';
export { BLOCK_SIZE, PieceGeometry, type BlockRequest } from './pieceGeometry.js';
export { BlockMap, PieceProgress, PieceState, RECEIVED, MAX_REQUESTS_PER_BLOCK, type PeerId } from './blockMap.js';
export { PiecePicker, type PeerView, type Cancel, type BlockReceipt, type PiecePickerOptions } from './piecePicker.js';
export { pipelineDepth, refillThreshold, MIN_PIPELINE_DEPTH, MAX_PIPELINE_DEPTH, MAX_REFILL_BATCH } from './pipelineDepth.js';
