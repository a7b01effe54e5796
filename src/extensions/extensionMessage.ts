import * as E from 'fp-ts/lib/Either.js';
import { decodeExtendedHandshake, EXTENDED_HANDSHAKE_ID, UT_METADATA, UT_PEX, type DecodedExtendedHandshake } from './extendedHandshake.js';
import { extensionError, type ExtensionError } from './extensionError.js';
import { MAX_EXTENSION_MESSAGE_BYTES } from './limits.js';
import { decodeDontHave, LT_DONTHAVE } from './ltDontHave.js';
import { decodeUtMetadata, type UtMetadataMessage } from './utMetadata.js';
import { decodeUtPex, type PexMessage } from './utPex.js';

/**
 * The ids we ask peers to use when sending us each extension (our handshake's `m`). Receiving
 * is keyed by these; sending uses the ids the peer gave (see negotiatedIds).
 */
export const OUR_EXTENSION_IDS: Readonly<Record<typeof UT_METADATA | typeof UT_PEX | typeof LT_DONTHAVE, number>> = { [UT_METADATA]: 1, [UT_PEX]: 2, [LT_DONTHAVE]: 3 };

/** A decoded incoming extended message (BEP 10), by extension. */
export type ExtensionMessage =
  | { readonly extension: 'handshake'; readonly handshake: DecodedExtendedHandshake }
  | { readonly extension: typeof UT_METADATA; readonly message: UtMetadataMessage }
  | { readonly extension: typeof UT_PEX; readonly message: PexMessage }
  /** BEP 54: the peer no longer has this piece (an index below the torrent's piece count). */
  | { readonly extension: typeof LT_DONTHAVE; readonly index: number }
  /** An id we never advertised: ignored (BEP 10), never an error. */
  | { readonly extension: 'unknown'; readonly extendedId: number };

/**
 * Decodes the payload of a wire `{type: 'extended', extendedId, payload}` message sent to us.
 * `enabled` lists the extensions we advertised on this connection (e.g. without ut_pex for a
 * private torrent); a message under any other id is `unknown` and ignored. lt_donthave is
 * judged against `pieceCount`, so it is decoded only when that is given (a magnet link's
 * pieces are unknown until its metadata arrives; we do not advertise it then). Every payload is
 * bounded ({@link MAX_EXTENSION_MESSAGE_BYTES} overall, tighter per extension); errors close.
 */
export function decodeExtensionMessage(
  extendedId: number,
  payload: Uint8Array,
  enabled: ReadonlySet<string> = new Set([UT_METADATA, UT_PEX]),
  pieceCount?: number,
): E.Either<ExtensionError, ExtensionMessage> {
  if (payload.length > MAX_EXTENSION_MESSAGE_BYTES) {
    return E.left(extensionError('too-large', 'extension message', `${payload.length} bytes, over the ${MAX_EXTENSION_MESSAGE_BYTES}-byte limit`));
  }
  if (extendedId === EXTENDED_HANDSHAKE_ID) return E.map((handshake: DecodedExtendedHandshake) => ({ extension: 'handshake' as const, handshake }))(decodeExtendedHandshake(payload));
  if (extendedId === OUR_EXTENSION_IDS[UT_METADATA] && enabled.has(UT_METADATA)) {
    return E.map((message: UtMetadataMessage): ExtensionMessage => ({ extension: UT_METADATA, message }))(decodeUtMetadata(payload));
  }
  if (extendedId === OUR_EXTENSION_IDS[UT_PEX] && enabled.has(UT_PEX)) {
    return E.map((message: PexMessage): ExtensionMessage => ({ extension: UT_PEX, message }))(decodeUtPex(payload));
  }
  if (extendedId === OUR_EXTENSION_IDS[LT_DONTHAVE] && enabled.has(LT_DONTHAVE) && pieceCount !== undefined) {
    return E.map((index: number): ExtensionMessage => ({ extension: LT_DONTHAVE, index }))(decodeDontHave(payload, pieceCount));
  }
  return E.right({ extension: 'unknown', extendedId });
}
