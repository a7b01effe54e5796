import * as E from 'fp-ts/lib/Either.js';
import type { WireError } from './errors.js';
import { FAST_MESSAGE_TYPES, type WireMessage } from './messages.js';

/** What a message is checked against once the torrent and the negotiated extensions are known. */
export interface MessageRules {
  /** `null` while the torrent's metadata is still being fetched (magnet link, BEP 9): no piece checks. */
  readonly pieceCount: number | null;
  /** Both sides set the BEP 6 bit; otherwise BEP 6 messages are a protocol error. */
  readonly fastExtension: boolean;
}

/** Largest block a peer may request or reject; larger requests are dropped by common clients. */
export const MAX_BLOCK_LENGTH = 128 * 1024;

/** Bytes of a bitfield for `pieceCount` pieces (BEP 3: one bit per piece, padded to a byte). */
export const bitfieldLength = (pieceCount: number): number => Math.ceil(pieceCount / 8);

/**
 * Cap on a length prefix: 1 MiB, or the largest legal bitfield message (+1 for its id byte)
 * when the torrent has so many pieces that the bitfield alone is larger.
 */
export const maxFrameLength = (pieceCount: number): number => Math.max(1 << 20, bitfieldLength(pieceCount) + 1);

const indexError = (m: WireMessage & { index: number }, pieceCount: number | null): E.Either<WireError, WireMessage> =>
  pieceCount === null || m.index < pieceCount ? E.right(m) : E.left({ tag: 'pieceIndexOutOfRange', messageType: m.type, index: m.index, pieceCount });

/**
 * Checks what needs the torrent's piece count or the negotiated extensions: piece indexes in
 * range, bitfield size and spare bits (BEP 3 says drop such peers), block lengths, and BEP 6
 * messages only after both sides announced the fast extension (BEP 6 says close otherwise).
 * Unknown ids, `port` and `extended` pass: they carry no piece state. Deliberately lenient:
 * a bitfield/have-all/have-none that is not the first message is not an error here (BEP 3 only
 * says it is sent first; the session may simply apply it), since dropping such peers buys no
 * safety while every size and index is already bounded.
 */
export function validateMessage(m: WireMessage, rules: MessageRules): E.Either<WireError, WireMessage> {
  if (FAST_MESSAGE_TYPES.has(m.type) && !rules.fastExtension) {
    return E.left({ tag: 'fastNotNegotiated', messageType: m.type });
  }
  switch (m.type) {
    case 'have':
    case 'suggest':
    case 'allowedFast':
    case 'piece':
      return indexError(m, rules.pieceCount);
    case 'request':
    case 'cancel':
    case 'reject':
      if (m.length === 0 || m.length > MAX_BLOCK_LENGTH) {
        return E.left({ tag: 'badBlockLength', messageType: m.type, length: m.length });
      }
      return indexError(m, rules.pieceCount);
    case 'bitfield': {
      if (rules.pieceCount === null) return E.right(m); // bounded by the frame cap; judged once the metadata is known
      const expected = bitfieldLength(rules.pieceCount);
      if (m.bitfield.length !== expected) return E.left({ tag: 'bitfieldSize', length: m.bitfield.length, expected });
      const spare = expected * 8 - rules.pieceCount;
      const last = m.bitfield[expected - 1] ?? 0;
      return spare > 0 && (last & ((1 << spare) - 1)) !== 0 ? E.left({ tag: 'bitfieldSpareBits' }) : E.right(m);
    }
    default:
      return E.right(m);
  }
}
