import * as E from 'fp-ts/lib/Either.js';
import * as D from 'io-ts/lib/Decoder.js';
import { encode } from '../bencode/index.js';
import { bdictRecord, nonNegativeInt } from '../tracker/client/replyDecoders.js';
import { checkShape, decodeLeadingValue } from './bencodedPayload.js';
import { extensionError, type ExtensionError } from './extensionError.js';
import { MAX_UT_METADATA_MESSAGE_BYTES, METADATA_PIECE_SIZE } from './limits.js';

/** A ut_metadata message (BEP 9). */
export type UtMetadataMessage =
  | { readonly type: 'request'; readonly piece: number }
  /** One piece of the info dictionary; `totalSize` is the sender's whole metadata size. */
  | { readonly type: 'data'; readonly piece: number; readonly totalSize: number; readonly data: Uint8Array }
  | { readonly type: 'reject'; readonly piece: number }
  /** BEP 9: "an unrecognized message ID MUST be ignored", so it decodes rather than fails. */
  | { readonly type: 'unknown'; readonly msgType: number };

const MSG_REQUEST = 0, MSG_DATA = 1, MSG_REJECT = 2;

const header = D.compose(
  D.intersect(D.struct({ msg_type: nonNegativeInt, piece: nonNegativeInt }))(D.partial({ total_size: nonNegativeInt })),
)(bdictRecord);

const WHAT = 'ut_metadata message';

/**
 * Decodes a ut_metadata payload: a bencoded dictionary, followed by the piece bytes for a
 * `data` message. Over {@link MAX_UT_METADATA_MESSAGE_BYTES}, not bencode, a missing
 * `msg_type`/`piece`, a `data` without `total_size` or with more than 16 KiB, or trailing bytes
 * after a request/reject are errors (close the connection). Never throws.
 */
export function decodeUtMetadata(payload: Uint8Array): E.Either<ExtensionError, UtMetadataMessage> {
  if (payload.length > MAX_UT_METADATA_MESSAGE_BYTES) {
    return E.left(extensionError('too-large', WHAT, `${payload.length} bytes, over the ${MAX_UT_METADATA_MESSAGE_BYTES}-byte limit`));
  }
  const split = decodeLeadingValue(payload, WHAT);
  if (E.isLeft(split)) return split;
  const h = checkShape(split.right.value, WHAT, header);
  if (E.isLeft(h)) return h;
  const { msg_type: msgType, piece } = h.right;
  const rest = split.right.rest;
  if (msgType === MSG_DATA) {
    const totalSize = h.right.total_size;
    if (totalSize === undefined) return E.left(extensionError('structure', WHAT, 'data message without total_size'));
    if (rest.length > METADATA_PIECE_SIZE) return E.left(extensionError('structure', WHAT, `data piece of ${rest.length} bytes, over 16 KiB`));
    return E.right({ type: 'data', piece, totalSize, data: rest });
  }
  if (msgType !== MSG_REQUEST && msgType !== MSG_REJECT) return E.right({ type: 'unknown', msgType });
  if (rest.length > 0) return E.left(extensionError('structure', WHAT, `${rest.length} unexpected bytes after a ${msgType === MSG_REQUEST ? 'request' : 'reject'}`));
  return E.right({ type: msgType === MSG_REQUEST ? 'request' : 'reject', piece });
}

/** Encodes a ut_metadata payload (send it under the id the peer gave `ut_metadata` in `m`). */
export function encodeUtMetadata(msg: Exclude<UtMetadataMessage, { type: 'unknown' }>): Uint8Array {
  switch (msg.type) {
    case 'request':
      return encode({ msg_type: MSG_REQUEST, piece: msg.piece });
    case 'reject':
      return encode({ msg_type: MSG_REJECT, piece: msg.piece });
    case 'data': {
      const head = encode({ msg_type: MSG_DATA, piece: msg.piece, total_size: msg.totalSize });
      const out = new Uint8Array(head.length + msg.data.length);
      out.set(head);
      out.set(msg.data, head.length);
      return out;
    }
  }
}

/** Number of 16 KiB pieces metadata of `size` bytes splits into (BEP 9). */
export const metadataPieceCount = (size: number): number => Math.ceil(size / METADATA_PIECE_SIZE);

/**
 * Serving (BEP 9): the answer to a peer's request for `piece` of our info dictionary, as a
 * data message, or a reject for a piece beyond the end.
 */
export function answerMetadataRequest(infoBytes: Uint8Array, piece: number): Exclude<UtMetadataMessage, { type: 'unknown' | 'request' }> {
  if (piece >= metadataPieceCount(infoBytes.length)) return { type: 'reject', piece };
  const begin = piece * METADATA_PIECE_SIZE;
  return { type: 'data', piece, totalSize: infoBytes.length, data: infoBytes.subarray(begin, begin + METADATA_PIECE_SIZE) };
}
